import type { Logger } from '../../util/logger.js';

export interface JournalOptions {
  /** What is written, for the log (`callback outbox`, `delivery log`). */
  what: string;
  /** Writes kept in memory at most while the store fails. */
  limit: number;
  /** At the limit: refuse the new write, or drop the oldest one. */
  overflow: 'refuse' | 'drop-oldest';
  /** How often a failing store is tried again. */
  retryMs?: number;
  /**
   * How long `tick` writes gather before they are written together (default: one event-loop
   * turn); half of `limit` waiting is written at once.
   */
  batchMs?: number;
}

/**
 * A bounded in-memory write-ahead queue in front of a store that may fail (a full disk). Writes
 * go through in order; while the store fails they wait here and are written, still in order,
 * once it works again. A failing episode is logged once when it starts and once when it ends.
 */
export class WriteAheadJournal<T> {
  private pending: T[] = [];
  private failing = false;
  private lost = 0;
  private scheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly retryMs: number;

  constructor(
    private readonly write: (items: readonly T[]) => void,
    private readonly logger: Logger,
    private readonly options: JournalOptions,
  ) {
    this.retryMs = options.retryMs ?? 1000;
  }

  /**
   * Queues one write. `now` writes it before returning when the store works; `tick` batches the
   * writes of one event-loop turn (or of `batchMs`) in one call. Returns false when the journal
   * is full and refused it.
   */
  push(item: T, when: 'now' | 'tick'): boolean {
    if (this.pending.length >= this.options.limit) {
      if (this.lost++ === 0) {
        this.logger.error({ limit: this.options.limit }, `${this.options.what}: memory is full too, writes are lost until the store works again`);
      }
      if (this.options.overflow === 'refuse') return false;
      this.pending.shift();
    }
    this.pending.push(item);
    if (this.failing) return true;
    // A batch never waits on more than half of what memory may hold: the rest is for failures.
    if (when === 'now' || this.pending.length >= this.options.limit / 2) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      const write = (): void => {
        this.scheduled = false;
        if (!this.failing) this.flush();
      };
      if (this.options.batchMs) setTimeout(write, this.options.batchMs).unref();
      else setImmediate(write);
    }
    return true;
  }

  /** Writes waiting, not yet in the store (newest last). */
  waiting(): readonly T[] {
    return this.pending;
  }

  /** Takes back a waiting write that no longer needs to be made; true when it was waiting. */
  withdraw(match: (item: T) => boolean): boolean {
    const before = this.pending.length;
    this.pending = this.pending.filter((item) => !match(item));
    return this.pending.length !== before;
  }

  /** Tries to write everything waiting; true when nothing waits any more. */
  flush(): boolean {
    if (this.pending.length === 0) return true;
    try {
      this.write(this.pending);
    } catch (error) {
      if (!this.failing) {
        this.failing = true;
        this.logger.error(
          { err: error, waiting: this.pending.length },
          `${this.options.what} cannot be written; keeping up to ${this.options.limit} writes in memory until it can`,
        );
      }
      this.retryLater();
      return false;
    }
    if (this.failing) {
      this.failing = false;
      clearTimeout(this.timer);
      const lost = this.lost > 0 ? `; ${this.lost} could not be kept and are lost` : '';
      this.logger.warn({ written: this.pending.length, lost: this.lost }, `${this.options.what} is written again${lost}`);
    }
    this.pending = [];
    this.lost = 0;
    return true;
  }

  /** A last attempt to write (shutdown); what still fails is reported as lost. */
  close(): void {
    clearTimeout(this.timer);
    if (!this.flush()) {
      this.logger.error({ lost: this.pending.length }, `${this.options.what}: writes lost at shutdown, the store still fails`);
    }
  }

  private retryLater(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), this.retryMs);
    this.timer.unref();
  }
}
