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
  /** Order of arrival, across restarts. */
  seq: number;
  attempts: number;
  nextAt: number;
}

/** One change to the durable outbox. */
export type OutboxWrite =
  | { op: 'add'; message: PendingMessage }
  | { op: 'done'; seq: number }
  | { op: 'retry'; seq: number; attempts: number; nextAt: number };

/** Where the outbox is kept across restarts. `write` applies all or nothing, or throws. */
export interface OutboxPersistence {
  /** Every pending message, oldest first. */
  load(): PendingMessage[];
  write(changes: readonly OutboxWrite[]): void;
}

const COLUMNS = `seq, id, queue, event, dialect, signer, method, url, content_type AS contentType, body,
  timeout_ms AS timeoutMs, max_answer_bytes AS maxAnswerBytes, created_at AS createdAt, expires_at AS expiresAt, attempts, next_at AS nextAt`;

/** The outbox table of the hook database. */
export class OutboxTable implements OutboxPersistence {
  private readonly all;
  private readonly insert;
  private readonly remove;
  private readonly retry;
  private readonly apply;

  constructor(db: Db) {
    this.all = db.prepare(`SELECT ${COLUMNS} FROM outbox ORDER BY seq`);
    this.insert = db.prepare(
      `INSERT INTO outbox (seq, id, queue, event, dialect, signer, method, url, content_type, body, timeout_ms, max_answer_bytes, created_at, expires_at, attempts, next_at)
       VALUES (@seq, @id, @queue, @event, @dialect, @signer, @method, @url, @contentType, @body, @timeoutMs, @maxAnswerBytes, @createdAt, @expiresAt, @attempts, @nextAt)`,
    );
    this.remove = db.prepare('DELETE FROM outbox WHERE seq = ?');
    this.retry = db.prepare('UPDATE outbox SET attempts = ?, next_at = ? WHERE seq = ?');
    this.apply = db.transaction((changes: readonly OutboxWrite[]) => {
      for (const change of changes) {
        if (change.op === 'add') this.insert.run(change.message);
        else if (change.op === 'done') this.remove.run(change.seq);
        else this.retry.run(change.attempts, change.nextAt, change.seq);
      }
    });
  }

  load(): PendingMessage[] {
    return this.all.all() as PendingMessage[];
  }

  write(changes: readonly OutboxWrite[]): void {
    this.apply(changes);
  }
}
