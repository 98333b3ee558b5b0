import { ProtocolError } from '../../../util/errors.js';
import type { SrtpProfile } from './profile.js';

/** The master key and salt of one direction (16 bytes key; 14 bytes salt for AES-CM, 12 for GCM). */
export interface SrtpMasterKeys {
  key: Buffer;
  salt: Buffer;
}

/** An SRTP or SRTCP packet whose authentication tag does not match: dropped. */
export class SrtpAuthError extends ProtocolError {}
/** An SRTP or SRTCP packet already received (or too old for the replay window): dropped. */
export class SrtpReplayError extends ProtocolError {}

/**
 * One direction of SRTP/SRTCP (RFC 3711, RFC 7714): protect with the local keys, or unprotect with
 * the remote ones. Keeps rollover counters and a replay window per SSRC.
 */
export declare class SrtpSession {
  constructor(profile: SrtpProfile, keys: SrtpMasterKeys);
  readonly profile: SrtpProfile;
  protectRtp(packet: Buffer): Buffer;
  unprotectRtp(packet: Buffer): Buffer;
  protectRtcp(packet: Buffer): Buffer;
  unprotectRtcp(packet: Buffer): Buffer;
}

/** The DTLS-SRTP result as the DTLS layer hands it over. */
export interface SrtpKeyMaterialLike {
  profile: SrtpProfile;
  localKey: Buffer;
  localSalt: Buffer;
  remoteKey: Buffer;
  remoteSalt: Buffer;
}

/** Both directions for a DTLS-SRTP association: `outbound` protects, `inbound` unprotects. */
export declare function srtpSessions(keys: SrtpKeyMaterialLike): { inbound: SrtpSession; outbound: SrtpSession };
