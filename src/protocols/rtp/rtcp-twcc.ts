import type { RtcpTransportCc } from './rtcp-packets.js';

/** A packet received, for transport-cc feedback: transport-wide sequence and arrival in µs. */
export interface TwccReceived {
  sequence: number;
  arrivalUs: number;
}

/**
 * Transport-cc feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01 3.1) for these arrivals,
 * sorted by sequence; gaps are reported as not received. Run-length chunks where a status repeats,
 * two-bit status vectors otherwise.
 */
export declare function buildTransportCc(senderSsrc: number, mediaSsrc: number, feedbackCount: number, received: readonly TwccReceived[]): Buffer;
/** Reads the FCI of a transport-cc feedback message (after the 12-byte common header). */
export declare function parseTransportCc(senderSsrc: number, mediaSsrc: number, fci: Buffer): RtcpTransportCc;
