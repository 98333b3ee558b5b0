import type { Logger } from '../util/logger.js';
import type { DeliveryLog } from './delivery-log.js';
import { HookTransportError, type HookAnswer } from './http/transport.js';
import type { Outbox, QueuedMessage } from './outbox.js';
import type { CallSender } from './sender.js';
import type { DeliveryOutcome } from './store/deliveries.js';

export interface OutboxWorkerOptions {
  /** Deliveries in flight at once, all receivers together (each to a different queue). */
  concurrency?: number;
  /** Deliveries in flight at once to one receiver (URL origin): a hanging one holds no more. */
  perReceiver?: number;
  /** First retry delay; doubles with each failed attempt, with jitter. */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Delivers the outbox in the background: the head of each queue as soon as it is due, failed
 * attempts again after an exponential backoff with jitter, until delivered or too old. Each
 * receiver gets at most `perReceiver` slots, so one that hangs does not hold up the others.
 */
export class OutboxWorker {
  private readonly concurrency: number;
  private readonly perReceiver: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly busy = new Map<string, number>();
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private poked = false;
  private closed = false;
  /** Set while closing: called when nothing due is left to send. */
  private drained: (() => void) | undefined;

  constructor(
    private readonly outbox: Outbox,
    private readonly sender: CallSender,
    private readonly log: DeliveryLog,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    options: OutboxWorkerOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 256;
    this.perReceiver = options.perReceiver ?? 8;
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

  /**
   * Stops delivering. What is due (the last events of the sessions just closed) is first given
   * up to `graceMs` to go out; calls still in flight then are abandoned, and whatever is left
   * stays in the outbox for the next start.
   */
  async close(graceMs = 0): Promise<void> {
    if (graceMs > 0 && !this.closed) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.drained = resolve;
        timer = setTimeout(resolve, graceMs);
        this.pump();
      });
      clearTimeout(timer);
      this.drained = undefined;
    }
    this.closed = true;
    clearTimeout(this.timer);
    this.abort.abort();
    await Promise.allSettled(this.inflight.values());
  }

  private pump(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    const now = this.now();
    let next = Infinity;
    for (const message of this.outbox.heads()) {
      if (this.inflight.has(message.queue)) continue;
      if (message.nextAt > now) {
        next = Math.min(next, message.nextAt);
        continue;
      }
      // Due heads not started wait for a delivery to finish, which pumps again.
      if (this.inflight.size >= this.concurrency) break;
      const busy = this.busy.get(message.origin) ?? 0;
      if (busy >= this.perReceiver) continue;
      this.busy.set(message.origin, busy + 1);
      this.inflight.set(message.queue, this.start(message));
    }
    if (this.inflight.size === 0 && this.drained) this.drained();
    else if (next < Infinity && !this.drained) this.pumpLater(next - now);
  }

  private start(message: QueuedMessage): Promise<void> {
    const finished = (): void => {
      this.inflight.delete(message.queue);
      const busy = (this.busy.get(message.origin) ?? 1) - 1;
      if (busy === 0) this.busy.delete(message.origin);
      else this.busy.set(message.origin, busy);
    };
    return this.deliver(message).then(
      () => {
        finished();
        this.pump();
      },
      (error: unknown) => {
        this.logger.error({ err: error, id: message.id }, 'outbox delivery failed');
        finished();
        this.pumpLater(this.baseDelayMs);
      },
    );
  }

  private pumpLater(delayMs: number): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.pump(), Math.min(delayMs, 2 ** 31 - 1));
    this.timer.unref();
  }

  private async deliver(message: QueuedMessage): Promise<void> {
    const attempt = message.attempts + 1;
    const entry = {
      webhookId: message.id,
      event: message.event,
      dialect: message.dialect,
      method: message.method,
      url: message.url,
      attempt,
      contentType: message.contentType,
      body: message.body,
      signer: message.signer,
      replayOf: null,
    };
    if (this.now() >= message.expiresAt) {
      this.outbox.done(message);
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
      this.outbox.retry(message, nextAt);
      this.logger.debug({ event: message.event, url: message.url, attempt }, `callback retry: ${detail}`);
    } else {
      this.outbox.done(message);
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
