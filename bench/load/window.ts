// The measurement window shared by the publisher and all players (one process, one clock).

/** Latency histogram in 0.1 ms bins up to 10 s; slower frames land in the last bin. */
export class LatencyHistogram {
  private readonly bins = new Uint32Array(100_001);
  count = 0;
  max = 0;

  add(ms: number): void {
    const bin = Math.min(this.bins.length - 1, Math.max(0, Math.round(ms * 10)));
    this.bins[bin]!++;
    this.count++;
    if (ms > this.max) this.max = ms;
  }

  /** Forgets every sample: the next quantiles cover only what is added from now. */
  reset(): void {
    this.bins.fill(0);
    this.count = 0;
    this.max = 0;
  }

  /** The latency at quantile q (0..1), in ms; NaN when empty. */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.ceil(q * this.count);
    let seen = 0;
    for (let bin = 0; bin < this.bins.length; bin++) {
      seen += this.bins[bin]!;
      if (seen >= rank) return bin / 10;
    }
    return this.max;
  }
}

/**
 * Bytes count if they arrive or leave within [start, end]. A video frame counts for latency and
 * loss if the publisher sent it within [start, cutoff]; the grace between cutoff and end lets
 * late frames still arrive.
 */
export class MeasureWindow {
  start = Infinity;
  cutoff = Infinity;
  end = Infinity;
  readonly latency = new LatencyHistogram();

  open(now: number, seconds: number, graceSeconds: number): void {
    this.start = now;
    this.end = now + seconds * 1000;
    this.cutoff = this.end - graceSeconds * 1000;
  }

  contains(now: number): boolean {
    return now >= this.start && now <= this.end;
  }

  /** Whether a frame sent at `sentAt` is one every player is expected to receive. */
  expects(sentAt: number): boolean {
    return sentAt >= this.start && sentAt <= this.cutoff;
  }
}
