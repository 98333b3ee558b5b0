import type { Db } from './db.js';

/** An informational call waiting to be delivered. */
export interface OutboxMessage {
  /** Stable id: the `webhook-id` header of every attempt, for the receiver's de-duplication. */
  id: string;
  /** Messages of one queue (a session, in one dialect) are delivered strictly in order. */
  queue: string;
  event: string;
  dialect: string;
  /** Names the secret that signs the message at each attempt (dialect and vhost). */
  signer: string;
  method: 'GET' | 'POST';
  url: string;
  contentType: string;
  body: string;
  timeoutMs: number;
  /** Reads at most this much of the answer; null: the transport's limit. */
  maxAnswerBytes: number | null;
  createdAt: number;
  expiresAt: number;
}

export interface PendingMessage extends OutboxMessage {
  seq: number;
  attempts: number;
  nextAt: number;
}

const COLUMNS = `o.seq, o.id, o.queue, o.event, o.dialect, o.signer, o.method, o.url, o.content_type AS contentType,
  o.body, o.timeout_ms AS timeoutMs, o.max_answer_bytes AS maxAnswerBytes, o.created_at AS createdAt, o.expires_at AS expiresAt, o.attempts, o.next_at AS nextAt`;
// The first message of each queue: only it may be sent, so a queue never overtakes itself.
const HEADS = `SELECT ${COLUMNS} FROM (SELECT MIN(seq) AS seq FROM outbox GROUP BY queue) h JOIN outbox o ON o.seq = h.seq`;

/** The durable queue of informational calls, in the hook database. */
export class OutboxStore {
  private readonly insert;
  private readonly dueHeads;
  private readonly nextDue;
  private readonly remove;
  private readonly retry;
  private readonly count;

  constructor(db: Db) {
    this.insert = db.prepare(
      `INSERT INTO outbox (id, queue, event, dialect, signer, method, url, content_type, body, timeout_ms, max_answer_bytes, created_at, expires_at, next_at)
       VALUES (@id, @queue, @event, @dialect, @signer, @method, @url, @contentType, @body, @timeoutMs, @maxAnswerBytes, @createdAt, @expiresAt, @createdAt)`,
    );
    this.dueHeads = db.prepare(`${HEADS} WHERE o.next_at <= ? ORDER BY o.seq LIMIT ?`);
    this.nextDue = db.prepare(`SELECT MIN(nextAt) AS at FROM (${HEADS})`);
    this.remove = db.prepare('DELETE FROM outbox WHERE seq = ?');
    this.retry = db.prepare('UPDATE outbox SET attempts = attempts + 1, next_at = ? WHERE seq = ?');
    this.count = db.prepare('SELECT COUNT(*) AS n FROM outbox');
  }

  add(message: OutboxMessage): void {
    this.insert.run(message);
  }

  /** Queue heads whose time has come, oldest first. */
  due(now: number, limit: number): PendingMessage[] {
    return this.dueHeads.all(now, limit) as PendingMessage[];
  }

  /** When the next queue head becomes due, or undefined when the outbox is empty. */
  nextDueAt(): number | undefined {
    const row = this.nextDue.get() as { at: number | null };
    return row.at ?? undefined;
  }

  /** Delivered, refused for good, or expired: the message leaves the outbox. */
  done(seq: number): void {
    this.remove.run(seq);
  }

  /** One more failed attempt; try again at `nextAt`. */
  postpone(seq: number, nextAt: number): void {
    this.retry.run(nextAt, seq);
  }

  size(): number {
    return (this.count.get() as { n: number }).n;
  }
}
