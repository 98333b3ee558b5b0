import { AccessDenied } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { HookTransportError, type HookAnswer } from './http/transport.js';
import { webhookId } from './identity.js';
import type { OutboxWorker } from './outbox-worker.js';
import type { CallSender, OutgoingCall } from './sender.js';
import type { DeliveryLog } from './delivery-log.js';
import type { DeliveryOutcome } from './store/deliveries.js';
import type { Outbox } from './outbox.js';

/** A dialect's reading of an answer to a gate call. */
export type Verdict = { ok: true; rename?: string; relay?: string } | { ok: false; reason: string };

/** What a decision grants beyond yes: a new name, or an `rtmp://` URL to relay with (notify 3xx). */
export interface Granted {
  rename?: string;
  relay?: string;
}

export interface DecideOptions {
  signer: string;
  timeoutMs: number;
  /** Allow when the receiver is unreachable or too slow (but not when it refuses). */
  failOpen: boolean;
  judge(answer: HookAnswer): Verdict;
}

export interface NotifyOptions {
  /** Ordering key: the queue's messages are delivered one after another. */
  queue: string;
  signer: string;
  timeoutMs: number;
  maxAgeMs: number;
  /** Reads at most this much of each answer (on_hls_notify's `hls_nb_notify`). */
  maxAnswerBytes?: number;
}

/**
 * How dialects reach receivers: `decide` asks synchronously (gate calls, one URL after
 * another, the first refusal wins); `notify` writes informational calls to the durable outbox
 * and returns at once. Every call is recorded in the delivery log.
 */
export class HookCaller {
  constructor(
    private readonly sender: CallSender,
    private readonly outbox: Outbox,
    private readonly worker: OutboxWorker,
    private readonly log: DeliveryLog,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Resolves when every call allowed (with the last rename and relay, if any); throws AccessDenied otherwise. */
  async decide(calls: OutgoingCall[], options: DecideOptions): Promise<Granted> {
    const granted: Granted = {};
    for (const call of calls) {
      const verdict = await this.ask(call, options);
      if (verdict.rename !== undefined) granted.rename = verdict.rename;
      if (verdict.relay !== undefined) granted.relay = verdict.relay;
    }
    return granted;
  }

  private async ask(call: OutgoingCall, options: DecideOptions): Promise<Granted> {
    const id = webhookId();
    // The log entry, built once with all its fields (one object shape for every call).
    const record = (status: number | null, answer: string, latencyMs: number, outcome: DeliveryOutcome, detail: string): void =>
      this.log.record({
        at: this.now(), webhookId: id, event: call.event, dialect: call.dialect, method: call.method, url: call.url,
        status, answer, latencyMs, attempt: 1, outcome, detail, contentType: call.contentType, body: call.body,
        signer: options.signer, replayOf: null,
      });
    let answer: HookAnswer;
    try {
      answer = await this.sender.send(call, { webhookId: id, signer: options.signer, timeoutMs: options.timeoutMs });
    } catch (error) {
      if (!(error instanceof HookTransportError)) throw error;
      const reason = `${call.event} ${call.url} ${error.message}`;
      const outcome = options.failOpen ? 'failed-open' : 'refused';
      record(null, '', error.latencyMs, outcome, reason);
      if (!options.failOpen) {
        this.logger.warn({ event: call.event, url: call.url }, `refused: ${reason}`);
        // The client learns why it was refused, never where the operator's receiver lives.
        throw new AccessDenied(`${call.event} receiver ${error.message}`, { cause: error });
      }
      this.logger.warn({ event: call.event, url: call.url }, `allowed (fail_open): ${reason}`);
      return {};
    }
    const verdict = options.judge(answer);
    const detail = verdict.ok ? '' : `${call.event} ${call.url} ${verdict.reason}`;
    record(answer.status, answer.body, answer.latencyMs, verdict.ok ? 'allowed' : 'refused', detail);
    if (!verdict.ok) {
      this.logger.info({ event: call.event, url: call.url, status: answer.status }, `refused: ${detail}`);
      throw new AccessDenied(`${call.event} ${verdict.reason}`);
    }
    this.logger.debug({ event: call.event, url: call.url, latencyMs: answer.latencyMs }, 'allowed');
    return {
      ...(verdict.rename !== undefined ? { rename: verdict.rename } : {}),
      ...(verdict.relay !== undefined ? { relay: verdict.relay } : {}),
    };
  }

  /**
   * Writes the calls to the outbox (durably, before returning, or in memory while the disk
   * fails) and wakes the delivery worker.
   */
  notify(calls: OutgoingCall[], options: NotifyOptions): void {
    const createdAt = this.now();
    for (const call of calls) {
      // A refusal (disk and memory full) is logged by the outbox, once per episode.
      this.outbox.add({
        id: webhookId(),
        queue: options.queue,
        event: call.event,
        dialect: call.dialect,
        signer: options.signer,
        method: call.method,
        url: call.url,
        contentType: call.contentType,
        body: call.body,
        timeoutMs: options.timeoutMs,
        maxAnswerBytes: options.maxAnswerBytes ?? null,
        createdAt,
        expiresAt: createdAt + options.maxAgeMs,
      });
    }
    if (calls.length > 0) this.worker.poke();
  }
}
