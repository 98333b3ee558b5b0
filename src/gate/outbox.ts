import type { Logger } from '../util/logger.js';
import { WriteAheadJournal } from './store/journal.js';
import type { OutboxMessage, OutboxPersistence, OutboxWrite, PendingMessage } from './store/outbox.js';

/** A pending message and the receiver it goes to. */
export interface QueuedMessage extends PendingMessage {
  /** The receiver (URL origin): deliveries are bounded per receiver. */
  origin: string;
}

export interface OutboxOptions {
  /** Changes kept in memory while the store cannot be written (default 10000). */
  memoryLimit?: number;
  /** How often a failing store is tried again (default 1 s). */
  retryMs?: number;
}

/**
 * The outbox: every pending informational call, in memory for scheduling, and in the store so it
 * survives a restart. Each change is written before the method returns; when the store fails
 * (a full disk) changes wait in a bounded write-ahead journal and delivery goes on from memory.
 */
export class Outbox {
  private readonly queues = new Map<string, QueuedMessage[]>();
  private readonly journal: WriteAheadJournal<OutboxWrite>;
  private lastSeq = 0;
  private count = 0;

  constructor(persistence: OutboxPersistence, logger: Logger, options: OutboxOptions = {}) {
    this.journal = new WriteAheadJournal((changes) => persistence.write(changes), logger, {
      what: 'callback outbox',
      limit: options.memoryLimit ?? 10_000,
      overflow: 'refuse',
      ...(options.retryMs !== undefined ? { retryMs: options.retryMs } : {}),
    });
    for (const message of persistence.load()) {
      this.enqueue({ ...message, origin: originOf(message.url) });
      this.lastSeq = Math.max(this.lastSeq, message.seq);
    }
  }

  /** Keeps a new message; false when neither the store nor memory could take it. */
  add(message: OutboxMessage): boolean {
    const pending: QueuedMessage = { ...message, seq: this.lastSeq + 1, attempts: 0, nextAt: message.createdAt, origin: originOf(message.url) };
    if (!this.journal.push({ op: 'add', message: stored(pending) }, 'now')) return false;
    this.lastSeq = pending.seq;
    this.enqueue(pending);
    return true;
  }

  /** The first message of every queue (only it may be sent), oldest queue first. */
  *heads(): Generator<QueuedMessage> {
    for (const queue of this.queues.values()) yield queue[0]!;
  }

  /** Delivered, refused for good, or expired: the message leaves the outbox. */
  done(message: QueuedMessage): void {
    const queue = this.queues.get(message.queue);
    if (queue?.[0] !== message) return;
    queue.shift();
    if (queue.length === 0) this.queues.delete(message.queue);
    this.count--;
    // Still waiting to be written (the store was failing): forget it rather than add and delete it.
    const unwritten = this.journal.withdraw((c) => c.op === 'add' && c.message.seq === message.seq);
    if (unwritten) this.journal.withdraw((c) => c.op === 'retry' && c.seq === message.seq);
    else this.journal.push({ op: 'done', seq: message.seq }, 'now');
  }

  /** One more failed attempt; try again at `nextAt`. */
  retry(message: QueuedMessage, nextAt: number): void {
    message.attempts++;
    message.nextAt = nextAt;
    const waiting = this.journal.waiting().find((c) => c.op === 'add' && c.message.seq === message.seq);
    if (waiting?.op === 'add') waiting.message = stored(message);
    else this.journal.push({ op: 'retry', seq: message.seq, attempts: message.attempts, nextAt }, 'now');
  }

  size(): number {
    return this.count;
  }

  /** How many wait, and since when the oldest does (heads are the oldest of their queue). */
  stats(): { depth: number; oldestCreatedAt: number | undefined } {
    let oldest: number | undefined;
    for (const head of this.heads()) if (oldest === undefined || head.createdAt < oldest) oldest = head.createdAt;
    return { depth: this.count, oldestCreatedAt: oldest };
  }

  /** Writes what waits in memory, if the store lets it. */
  close(): void {
    this.journal.close();
  }

  private enqueue(message: QueuedMessage): void {
    const queue = this.queues.get(message.queue);
    if (queue) queue.push(message);
    else this.queues.set(message.queue, [message]);
    this.count++;
  }
}

/** The message as the store keeps it (without what memory derives from it). */
function stored(message: QueuedMessage): PendingMessage {
  const { origin: _origin, ...rest } = message;
  return rest;
}

/** Where a URL goes: `http://host:port`; a URL that does not parse is its own receiver. */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}
