/**
 * Handshake reject reasons, as libsrt numbers them (SRT_REJ_* in srt.h, SRT_REJX_* in
 * access_control.h). On the wire a rejection's handshake type is REJECTION_BASE + reason.
 */
export const RejectReason = {
  Unknown: 0,
  System: 1,
  Peer: 2,
  Resource: 3,
  Rogue: 4,
  Backlog: 5,
  Ipe: 6,
  Close: 7,
  Version: 8,
  RdvCookie: 9,
  BadSecret: 10,
  Unsecure: 11,
  MessageApi: 12,
  Congestion: 13,
  Filter: 14,
  Group: 15,
  Timeout: 16,
  Crypto: 17,
  /** SRT_REJX_*: 1000 plus an HTTP-like status. */
  BadRequest: 1400,
  Unauthorized: 1401,
  Overload: 1402,
  Forbidden: 1403,
  NotFound: 1404,
  BadMode: 1405,
  Unacceptable: 1406,
  Conflict: 1409,
  InternalError: 1500,
  Unimplemented: 1501,
  Unavailable: 1503,
} as const;
