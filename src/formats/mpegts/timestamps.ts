import { TIMESTAMP_WRAP } from './constants.js';

const TICKS_PER_MS = 90;
const HALF_WRAP = TIMESTAMP_WRAP / 2;
/** A step larger than this (10 s) is a timeline break (a restarted encoder), not media time. */
const MAX_STEP = 10 * 90_000;

/** The signed difference `to - from` of two 33-bit timestamps, the short way round the wrap. */
export function tickDelta(from: number, to: number): number {
  const d = (((to - from) % TIMESTAMP_WRAP) + TIMESTAMP_WRAP) % TIMESTAMP_WRAP;
  return d >= HALF_WRAP ? d - TIMESTAMP_WRAP : d;
}

/**
 * Maps the 33-bit 90 kHz clock of one program onto milliseconds from its first timestamp: the
 * wrap at 2^33 is unrolled, and a jump of more than 10 s either way is taken as a break that
 * the timeline steps over, so time keeps running on from where it was.
 */
export class TimestampMapper {
  private lastRaw: number | undefined;
  /** `lastRaw` on the unrolled timeline, in ticks from the first timestamp. */
  private lastTicks = 0;

  /** Starts the timeline at `raw` unless it has started: the first PES in the stream, not the first completed. */
  anchor(raw: number): void {
    this.lastRaw ??= raw;
  }

  /** The timestamp in ms; never below 0, since a track may start a little before the first one seen. */
  map(raw: number): number {
    if (this.lastRaw === undefined) {
      this.lastRaw = raw;
      return 0;
    }
    let step = tickDelta(this.lastRaw, raw);
    if (Math.abs(step) > MAX_STEP) step = 0;
    this.lastRaw = raw;
    this.lastTicks += step;
    return Math.max(0, Math.round(this.lastTicks / TICKS_PER_MS));
  }
}
