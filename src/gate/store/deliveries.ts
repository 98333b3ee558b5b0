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
  /** What was sent, so the call can be replayed (`''` content type: none sent). */
  contentType: string;
  body: string;
  /** Which secret signed it (see `signerKey`). */
  signer: string;
  /** The delivery this one replayed, or null. */
  replayOf: number | null;
}

export type NewDelivery = Omit<Delivery, 'seq'>;

export interface DeliveryQuery {
  limit?: number;
  /** Entries skipped (newest first) before the `limit` ones returned. */
  offset?: number;
  event?: string;
  outcome?: string;
  url?: string;
  /** Only calls that ended at or after this time, ms since the epoch. */
  since?: number;
  seq?: number;
}

/** Whether an entry passes the query's filters (paging aside). */
export function matches(entry: Omit<Delivery, 'seq'> & { seq?: number }, query: DeliveryQuery): boolean {
  return (
    (query.event === undefined || entry.event === query.event) &&
    (query.outcome === undefined || entry.outcome === query.outcome) &&
    (query.url === undefined || entry.url === query.url) &&
    (query.since === undefined || entry.at >= query.since) &&
    (query.seq === undefined || entry.seq === query.seq)
  );
}

const ANSWER_BYTES = 200;
const COLUMNS = `seq, at, webhook_id AS webhookId, event, dialect, method, url, status, answer,
  latency_ms AS latencyMs, attempt, outcome, detail, content_type AS contentType, body, signer, replay_of AS replayOf`;

/** Where the delivery log is kept. `insert` writes all or nothing, or throws. */
export interface DeliveryStore {
  insert(entries: readonly NewDelivery[]): void;
  /** Newest first. */
  list(query: DeliveryQuery): Delivery[];
}

/** The deliveries table of the hook database, trimmed to its last `keep` entries. */
export class DeliveryTable implements DeliveryStore {
  private readonly insertMany;
  private readonly db: Db;

  constructor(
    db: Db,
    readonly keep = 10_000,
  ) {
    this.db = db;
    const insert = db.prepare(
      `INSERT INTO deliveries (at, webhook_id, event, dialect, method, url, status, answer, latency_ms, attempt, outcome, detail,
         content_type, body, signer, replay_of)
       VALUES (@at, @webhookId, @event, @dialect, @method, @url, @status, @answer, @latencyMs, @attempt, @outcome, @detail,
         @contentType, @body, @signer, @replayOf)`,
    );
    const trim = db.prepare('DELETE FROM deliveries WHERE seq <= (SELECT MAX(seq) FROM deliveries) - ?');
    // One transaction per batch: a burst of calls costs one write, not one per call.
    this.insertMany = db.transaction((entries: readonly NewDelivery[]) => {
      for (const entry of entries) insert.run(entry);
      trim.run(this.keep);
    });
  }

  insert(entries: readonly NewDelivery[]): void {
    this.insertMany(entries);
  }

  list(query: DeliveryQuery = {}): Delivery[] {
    const limit = Math.max(1, Math.min(query.limit ?? 100, this.keep));
    const filters: Array<[string, unknown]> = [
      ['event = ?', query.event],
      ['outcome = ?', query.outcome],
      ['url = ?', query.url],
      ['at >= ?', query.since],
      ['seq = ?', query.seq],
    ];
    const used = filters.filter(([, value]) => value !== undefined);
    const where = used.length > 0 ? `WHERE ${used.map(([clause]) => clause).join(' AND ')}` : '';
    const sql = `SELECT ${COLUMNS} FROM deliveries ${where} ORDER BY seq DESC LIMIT ? OFFSET ?`;
    const rows = this.db.prepare(sql).all(...used.map(([, value]) => value), limit, Math.max(0, query.offset ?? 0));
    return rows as Delivery[];
  }
}

/** An entry as it is kept: the first 200 bytes of the answer, latency to the microsecond. */
export function trimmed(entry: NewDelivery): NewDelivery {
  return { ...entry, answer: excerpt(entry.answer), latencyMs: Math.round(entry.latencyMs * 1000) / 1000 };
}

/** The first 200 bytes, not cutting a UTF-8 character in half. */
function excerpt(text: string): string {
  // At most 3 UTF-8 bytes per UTF-16 unit: a short answer needs no encoding to know it fits.
  if (text.length * 3 <= ANSWER_BYTES) return text;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= ANSWER_BYTES) return text;
  return bytes.subarray(0, ANSWER_BYTES).toString('utf8').replace(/\uFFFD$/, '');
}
