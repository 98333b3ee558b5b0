export interface BackoffOptions {
  /** First delay, ms. */
  initialMs: number;
  /** Longest delay, ms. */
  maxMs: number;
  /** A connection that stayed up this long resets the delay to the first one. */
  healthyMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1000, maxMs: 30_000, healthyMs: 60_000 };

/**
 * Exponential backoff with jitter: each failure doubles the delay up to the maximum, and the
 * delay drawn is between half and all of it, so targets that fail together do not retry together.
 */
export class Backoff {
  private failures = 0;

  constructor(
    private readonly options: BackoffOptions,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt; `upForMs` is how long the last connection lasted. */
  next(upForMs: number): number {
    if (upForMs >= this.options.healthyMs) this.failures = 0;
    const ceiling = Math.min(this.options.maxMs, this.options.initialMs * 2 ** this.failures);
    this.failures++;
    return Math.round(ceiling * (0.5 + 0.5 * this.random()));
  }
}
