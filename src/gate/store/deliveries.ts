import type { Db } from './db.js';

/** How a call ended. Gate calls: allowed, refused, failed-open. Outbox: delivered, retrying, rejected, expired. */
export type DeliveryOutcome = 'allowed' | 'refused' | 'failed-open' | 'delivered' | 'retrying' | 'rejected' | 'expired';

/** One call to a receiver, as the API, the console and `sluice hooks log` show it. */
export interface Delivery {
  seq: number;
  /** When the call ended, ms since the epoch. */
  at: number;
  webhookId: string;
  event: string;
  dialect: string;
  method: string;
  url: string;
  /** HTTP status, or null when no answer came. */
  status: number | null;
  /** The first 200 bytes of the answer. */
  answer: string;
  latencyMs: number;
  /** 1 for the first attempt. */
  attempt: number;
  outcome: DeliveryOutcome;
  /** Why it was refused, retried or given up; `''` otherwise. */
  detail: string;
}

export type NewDelivery = Omit<Delivery, 'seq'>;

export interface DeliveryQuery {
  limit?: number;
  event?: string;
}

const ANSWER_BYTES = 200;

/** Where the delivery log is kept. `insert` writes all or nothing, or throws. */
export interface DeliveryStore {
  insert(entries: readonly NewDelivery[]): void;
  /** Newest first. */
  list(query: DeliveryQuery): Delivery[];
}

/** The deliveries table of the hook database, trimmed to its last `keep` entries. */
export class DeliveryTable implements DeliveryStore {
  private readonly insertMany;
  private readonly latest;
  private readonly latestOfEvent;

  constructor(
    db: Db,
    readonly keep = 10_000,
  ) {
    const insert = db.prepare(
      `INSERT INTO deliveries (at, webhook_id, event, dialect, method, url, status, answer, latency_ms, attempt, outcome, detail)
       VALUES (@at, @webhookId, @event, @dialect, @method, @url, @status, @answer, @latencyMs, @attempt, @outcome, @detail)`,
    );
    const trim = db.prepare('DELETE FROM deliveries WHERE seq <= (SELECT MAX(seq) FROM deliveries) - ?');
    // One transaction per batch: a burst of calls costs one write, not one per call.
    this.insertMany = db.transaction((entries: readonly NewDelivery[]) => {
      for (const entry of entries) insert.run(entry);
      trim.run(this.keep);
    });
    const columns = `seq, at, webhook_id AS webhookId, event, dialect, method, url, status, answer,
      latency_ms AS latencyMs, attempt, outcome, detail`;
    this.latest = db.prepare(`SELECT ${columns} FROM deliveries ORDER BY seq DESC LIMIT ?`);
    this.latestOfEvent = db.prepare(`SELECT ${columns} FROM deliveries WHERE event = ? ORDER BY seq DESC LIMIT ?`);
  }

  insert(entries: readonly NewDelivery[]): void {
    this.insertMany(entries);
  }

  list(query: DeliveryQuery = {}): Delivery[] {
    const limit = Math.max(1, Math.min(query.limit ?? 100, this.keep));
    const rows = query.event ? this.latestOfEvent.all(query.event, limit) : this.latest.all(limit);
    return rows as Delivery[];
  }
}

/** An entry as it is kept: the first 200 bytes of the answer, latency to the microsecond. */
export function trimmed(entry: NewDelivery): NewDelivery {
  return { ...entry, answer: excerpt(entry.answer), latencyMs: Math.round(entry.latencyMs * 1000) / 1000 };
}

/** The first 200 bytes, not cutting a UTF-8 character in half. */
function excerpt(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= ANSWER_BYTES) return text;
  return bytes.subarray(0, ANSWER_BYTES).toString('utf8').replace(/\uFFFD$/, '');
}
