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
// Trimming after every insert would double the writes; every few inserts is enough for a bound.
const TRIM_EVERY = 100;

/** The bounded log of calls: the last `keep` entries are kept. */
export class DeliveryLog {
  private readonly insert;
  private readonly trim;
  private readonly latest;
  private readonly latestOfEvent;
  private inserted = 0;

  constructor(
    db: Db,
    private readonly keep = 10_000,
  ) {
    this.insert = db.prepare(
      `INSERT INTO deliveries (at, webhook_id, event, dialect, method, url, status, answer, latency_ms, attempt, outcome, detail)
       VALUES (@at, @webhookId, @event, @dialect, @method, @url, @status, @answer, @latencyMs, @attempt, @outcome, @detail)`,
    );
    this.trim = db.prepare('DELETE FROM deliveries WHERE seq <= (SELECT MAX(seq) FROM deliveries) - ?');
    const columns = `seq, at, webhook_id AS webhookId, event, dialect, method, url, status, answer,
      latency_ms AS latencyMs, attempt, outcome, detail`;
    this.latest = db.prepare(`SELECT ${columns} FROM deliveries ORDER BY seq DESC LIMIT ?`);
    this.latestOfEvent = db.prepare(`SELECT ${columns} FROM deliveries WHERE event = ? ORDER BY seq DESC LIMIT ?`);
  }

  record(entry: NewDelivery): void {
    this.insert.run({ ...entry, answer: excerpt(entry.answer), latencyMs: Math.round(entry.latencyMs * 1000) / 1000 });
    if (++this.inserted % TRIM_EVERY === 0) this.trim.run(this.keep);
  }

  /** Newest first. */
  list(query: DeliveryQuery = {}): Delivery[] {
    const limit = Math.max(1, Math.min(query.limit ?? 100, this.keep));
    const rows = query.event ? this.latestOfEvent.all(query.event, limit) : this.latest.all(limit);
    return rows as Delivery[];
  }
}

/** The first 200 bytes, not cutting a UTF-8 character in half. */
function excerpt(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= ANSWER_BYTES) return text;
  return bytes.subarray(0, ANSWER_BYTES).toString('utf8').replace(/\uFFFD$/, '');
}
