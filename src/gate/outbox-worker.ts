import type { Logger } from '../util/logger.js';
import { HookTransportError, type HookAnswer } from './http/transport.js';
import type { CallSender } from './sender.js';
import type { DeliveryLog, DeliveryOutcome } from './store/deliveries.js';
import type { OutboxStore, PendingMessage } from './store/outbox.js';

export interface OutboxWorkerOptions {
  /** Deliveries in flight at once (each to a different queue). */
  concurrency?: number;
  /** First retry delay; doubles with each failed attempt, with jitter. */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Delivers the outbox in the background: the head of each queue as soon as it is due, failed
 * attempts again after an exponential backoff with jitter, until delivered or too old.
 */
export class OutboxWorker {
  private readonly concurrency: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private poked = false;
  private closed = false;

  constructor(
    private readonly store: OutboxStore,
    private readonly sender: CallSender,
    private readonly log: DeliveryLog,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    options: OutboxWorkerOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 16;
    this.baseDelayMs = options.baseDelayMs ?? 1000;
    this.maxDelayMs = options.maxDelayMs ?? 300_000;
  }

  /** Something was added: look at the outbox soon (once per tick however many were added). */
  poke(): void {
    if (this.poked || this.closed) return;
    this.poked = true;
    setImmediate(() => {
      this.poked = false;
      this.pump();
    });
  }

  /** Stops delivering; calls in flight are abandoned and stay in the outbox for the next start. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.abort.abort();
    await Promise.allSettled(this.inflight.values());
  }

  private pump(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    const now = this.now();
    // Heads of queues already in flight come back too; ask for enough to fill every free slot.
    for (const message of this.store.due(now, this.concurrency + this.inflight.size)) {
      if (this.inflight.size >= this.concurrency) break;
      if (this.inflight.has(message.queue)) continue;
      const delivery = this.deliver(message).then(
        () => {
          this.inflight.delete(message.queue);
          this.pump();
        },
        (error: unknown) => {
          // A broken store: look again later rather than spin on the same message.
          this.logger.error({ err: error, id: message.id }, 'outbox delivery failed');
          this.inflight.delete(message.queue);
          this.pumpLater(this.baseDelayMs);
        },
      );
      this.inflight.set(message.queue, delivery);
    }
    // Due heads not started wait for a delivery to finish (which pumps again); others for their time.
    const next = this.store.nextDueAt();
    if (next !== undefined && next > now) this.pumpLater(next - now);
  }

  private pumpLater(delayMs: number): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.pump(), Math.min(delayMs, 2 ** 31 - 1));
    this.timer.unref();
  }

  private async deliver(message: PendingMessage): Promise<void> {
    const attempt = message.attempts + 1;
    const entry = {
      webhookId: message.id,
      event: message.event,
      dialect: message.dialect,
      method: message.method,
      url: message.url,
      attempt,
    };
    if (this.now() >= message.expiresAt) {
      this.store.done(message.seq);
      const detail = `given up after ${message.attempts} attempts: older than outbox_max_age`;
      this.log.record({ ...entry, at: this.now(), status: null, answer: '', latencyMs: 0, outcome: 'expired', detail });
      this.logger.warn({ event: message.event, url: message.url, id: message.id }, `callback ${detail}`);
      return;
    }
    let answer: HookAnswer | undefined;
    let outcome: DeliveryOutcome;
    let detail = '';
    let latencyMs: number;
    try {
      answer = await this.sender.send(message, {
        webhookId: message.id,
        signer: message.signer,
        timeoutMs: message.timeoutMs,
        ...(message.maxAnswerBytes !== null ? { maxAnswerBytes: message.maxAnswerBytes } : {}),
        signal: this.abort.signal,
      });
      latencyMs = answer.latencyMs;
      outcome = judge(message.event, answer.status);
      if (outcome !== 'delivered') detail = `answered ${answer.status}`;
    } catch (error) {
      if (!(error instanceof HookTransportError)) throw error;
      if (error.kind === 'aborted') return;
      latencyMs = error.latencyMs;
      outcome = 'retrying';
      detail = error.message;
    }
    if (outcome === 'retrying') {
      const nextAt = Math.min(this.now() + this.backoff(attempt), message.expiresAt);
      this.store.postpone(message.seq, nextAt);
      this.logger.debug({ event: message.event, url: message.url, attempt }, `callback retry: ${detail}`);
    } else {
      this.store.done(message.seq);
      if (outcome === 'rejected') this.logger.warn({ event: message.event, url: message.url }, `callback rejected: ${detail}`);
    }
    this.log.record({
      ...entry,
      at: this.now(),
      status: answer?.status ?? null,
      answer: answer?.body ?? '',
      latencyMs,
      outcome,
      detail,
    });
  }

  /** Exponential, capped, with jitter so receivers coming back are not hit by every sender at once. */
  private backoff(attempt: number): number {
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.min(attempt - 1, 30));
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }
}

/**
 * Whether an informational call is done. Any 2xx delivered it; a receiver that is overloaded or
 * broken (408, 425, 429, 5xx) is asked again; other statuses refuse it for good, and retrying
 * would not change that. on_hls_notify only warms a cache: any answer will do.
 */
function judge(event: string, status: number): DeliveryOutcome {
  if (event === 'on_hls_notify' || (status >= 200 && status < 300)) return 'delivered';
  if (status === 408 || status === 425 || status === 429 || status >= 500) return 'retrying';
  return 'rejected';
}
