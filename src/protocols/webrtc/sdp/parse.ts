import type { SdpOffer } from './types.js';

/** Parses a browser's offer; SdpError for garbage, missing ICE credentials or fingerprint. */
export declare function parseOffer(sdp: string): SdpOffer;
