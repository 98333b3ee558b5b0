import { sequenceDelta } from './packet.js';

/** Writes RTP sequence numbers and timestamps for one outgoing stream from a ms clock. */
export class RtpSequencer {
  private sequence: number;
  private readonly timestampBase: number;

  constructor(
    readonly clockRate: number,
    initial: { sequence?: number; timestamp?: number } = {},
  ) {
    this.sequence = (initial.sequence ?? Math.floor(Math.random() * 0x10000)) & 0xffff;
    this.timestampBase = (initial.timestamp ?? Math.floor(Math.random() * 0x1_0000_0000)) >>> 0;
  }

  /** The next sequence number (wrapping at 16 bits). */
  nextSequence(): number {
    const sequence = this.sequence;
    this.sequence = (this.sequence + 1) & 0xffff;
    return sequence;
  }

  /** The RTP timestamp of a media time in ms (wrapping at 32 bits). */
  timestampOf(ms: number): number {
    return (this.timestampBase + Math.round((ms * this.clockRate) / 1000)) >>> 0;
  }
}

/** Extends 16-bit sequence numbers to a count that keeps growing across wraps (late packets fall behind). */
export class SequenceUnwrapper {
  private last: number | undefined;

  unwrap(sequence: number): number {
    const extended = this.last === undefined ? sequence : this.last + sequenceDelta(sequence, this.last & 0xffff);
    if (this.last === undefined || extended > this.last) this.last = extended;
    return extended;
  }
}
