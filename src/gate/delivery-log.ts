import type { Logger } from '../util/logger.js';
import { matches, trimmed, type Delivery, type DeliveryQuery, type DeliveryStore, type NewDelivery } from './store/deliveries.js';
import { WriteAheadJournal } from './store/journal.js';

/** Told of every call as it is recorded (metrics); must return at once. */
export type DeliveryObserver = (entry: NewDelivery) => void;

/**
 * Entries gather this long before they are written in one transaction: under a burst of gated
 * players a transaction per event-loop turn cost more than the entries themselves. Readers
 * through `list` see waiting entries too.
 */
export const DELIVERY_BATCH_MS = 50;

/**
 * The log of every call. Recording never blocks or fails a call: entries are written together
 * (at most DELIVERY_BATCH_MS after they come, and at close); while the store fails they wait in
 * memory (the newest `keep`).
 */
export class DeliveryLog {
  private readonly journal: WriteAheadJournal<NewDelivery>;

  constructor(
    private readonly store: DeliveryStore,
    logger: Logger,
    private readonly keep = 10_000,
    retryMs?: number,
    private readonly observer?: DeliveryObserver,
  ) {
    this.journal = new WriteAheadJournal((entries) => store.insert(entries), logger, {
      what: 'callback delivery log',
      limit: keep,
      overflow: 'drop-oldest',
      batchMs: DELIVERY_BATCH_MS,
      ...(retryMs !== undefined ? { retryMs } : {}),
    });
  }

  record(entry: NewDelivery): void {
    this.journal.push(trimmed(entry), 'tick');
    this.observer?.(entry);
  }

  /** Newest first, including entries not written yet. */
  list(query: DeliveryQuery = {}): Delivery[] {
    this.journal.flush();
    const limit = Math.max(1, Math.min(query.limit ?? 100, this.keep));
    const offset = Math.max(0, query.offset ?? 0);
    const waiting = this.journal.waiting();
    if (waiting.length === 0) return this.store.list({ ...query, limit, offset });
    // Not written yet, so without a row number: number them after the last one written.
    const base = this.store.list({ limit: 1 })[0]?.seq ?? 0;
    const unsaved = waiting
      .map((entry, i) => ({ ...entry, seq: base + i + 1 }))
      .filter((entry) => matches(entry, query))
      .reverse();
    const stored = this.store.list({ ...query, limit: limit + offset, offset: 0 });
    return [...unsaved, ...stored].slice(offset, offset + limit);
  }

  close(): void {
    this.journal.close();
  }
}
