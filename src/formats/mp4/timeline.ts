import type { TrackRun } from './fragment.js';
import type { Mp4Sample, Mp4Track } from './track.js';

interface PendingSample {
  data: Buffer;
  dts: number;
  compositionOffset: number;
  sync: boolean;
}

/**
 * The samples of one track waiting for the next fragment. A sample's duration is the gap to the
 * next one, so the newest sample stays pending until its successor (or the end) arrives; the sum
 * of durations then always equals the next fragment's decode time.
 */
export class TrackTimeline {
  private pending: PendingSample | undefined;
  private done: Mp4Sample[] = [];
  private baseDecodeTime = 0;
  private lastDuration: number | undefined;

  /**
   * @param nominalDuration the codec's frame length in ticks (1024 for AAC), used to smooth the
   *   rounding of millisecond timestamps; undefined to take the timestamps as they are.
   */
  constructor(
    readonly track: Mp4Track,
    private readonly nominalDuration?: number,
  ) {}

  get hasSamples(): boolean {
    return this.done.length > 0;
  }

  /**
   * Completes the pending sample with the gap up to `ms` and returns the decode time, in ticks, of
   * the sample about to be added there (pass it to `hold`). Split in two so a fragment can be cut
   * between the steps, right before a keyframe.
   */
  settle(ms: number): number {
    let dts = this.ticks(ms);
    const previous = this.pending;
    if (!previous) return dts;
    const nominal = this.nominalDuration;
    if (nominal !== undefined && Math.abs(dts - (previous.dts + nominal)) <= nominal / 2) dts = previous.dts + nominal;
    dts = Math.max(dts, previous.dts + 1); // decode times must increase
    this.complete(previous, dts - previous.dts);
    this.pending = undefined;
    return dts;
  }

  /** Holds the newest sample until its successor tells its duration. */
  hold(dts: number, data: Buffer, ctsMs: number, sync: boolean): void {
    this.pending = { data, dts, compositionOffset: this.ticks(ctsMs), sync };
  }

  /** Gives the last sample the previous sample's duration; call before the final `take`. */
  finish(): void {
    if (!this.pending) return;
    const fallback = this.nominalDuration ?? Math.round(this.track.timescale / 25);
    this.complete(this.pending, this.lastDuration ?? fallback);
    this.pending = undefined;
  }

  /** The completed samples, for the next fragment. */
  take(): TrackRun {
    const run = { trackId: this.track.id, baseDecodeTime: this.baseDecodeTime, samples: this.done };
    this.done = [];
    return run;
  }

  private complete(sample: PendingSample, duration: number): void {
    if (this.done.length === 0) this.baseDecodeTime = sample.dts;
    this.done.push({ data: sample.data, duration, compositionOffset: sample.compositionOffset, sync: sample.sync });
    this.lastDuration = duration;
  }

  private ticks(ms: number): number {
    return Math.round((ms * this.track.timescale) / 1000);
  }
}
