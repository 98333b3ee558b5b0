import { SluiceError } from '../../util/errors.js';

/**
 * A signalling request answered with an error: `status` for WHIP/WHEP, `code` for SRS's JSON
 * API (SRS's error numbers), `message` is the reason shown to the client.
 */
export class OfferRefused extends SluiceError {
  constructor(
    readonly status: 400 | 403 | 404 | 409 | 503,
    readonly code: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** SRS's error numbers (srs_kernel_error.hpp) the JSON API answers with. */
export const SrsRtcError = {
  StreamBusy: 1028,
  AccessDenied: 2015,
  SdpDecode: 5012,
  SdpExchange: 5018,
  SourceBusy: 5020,
  Disabled: 5021,
  InvalidParams: 5023,
  InvalidSession: 5036,
} as const;

export function badOffer(message: string, cause?: unknown): OfferRefused {
  return new OfferRefused(400, SrsRtcError.SdpDecode, message, { cause });
}
