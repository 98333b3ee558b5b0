/** SRT sequence numbers are 31 bits and wrap; these compare and step them. */
export const MAX_SEQ = 0x7fffffff;

export function seqNext(seq: number, step = 1): number {
  return (seq + step) & MAX_SEQ;
}

/** How far `b` is after `a` (negative when before), across the wrap. */
export function seqOffset(a: number, b: number): number {
  let diff = (b - a) | 0;
  diff = ((diff << 1) >> 1); // to a signed 31-bit distance
  return diff;
}

/** 26-bit message numbers start at 1 and wrap back to 1. */
export function messageNext(n: number): number {
  return n >= 0x03ffffff ? 1 : n + 1;
}
