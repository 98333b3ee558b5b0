/** Writes RTP sequence numbers and timestamps for one outgoing stream from a ms clock. */
export declare class RtpSequencer {
  constructor(clockRate: number, initial?: { sequence?: number; timestamp?: number });
  /** The next sequence number (wrapping at 16 bits). */
  nextSequence(): number;
  /** The RTP timestamp of a media time in ms (wrapping at 32 bits). */
  timestampOf(ms: number): number;
}

/** Extends 16-bit sequence numbers to a monotonic count across wraps. */
export declare class SequenceUnwrapper {
  unwrap(sequence: number): number;
}
