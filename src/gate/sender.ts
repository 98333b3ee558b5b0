import type { HookAnswer, HookTransport } from './http/transport.js';
import { secretKey, signedHeaders } from './signing.js';

/** A request as a dialect builds it, before headers and signing. */
export interface OutgoingCall {
  event: string;
  dialect: string;
  method: 'GET' | 'POST';
  url: string;
  /** `''` sends no Content-Type. */
  contentType: string;
  body: string;
}

export interface SendOptions {
  webhookId: string;
  /** Which secret signs the call (see `signerKey`); unknown or empty: unsigned. */
  signer: string;
  timeoutMs: number;
  /** Reads at most this much of the answer. */
  maxAnswerBytes?: number;
  signal?: AbortSignal;
}

/** Names the secret of a dialect's block in a vhost. */
export function signerKey(dialect: string, vhost: string): string {
  return `${dialect} ${vhost}`;
}

/**
 * Adds the headers every call carries (User-Agent, webhook-id, signatures when a secret is set)
 * and sends through the shared pool. Signing happens per attempt: the timestamp must be fresh.
 */
export class CallSender {
  private readonly keys = new Map<string, Buffer>();

  constructor(
    private readonly transport: HookTransport,
    private readonly userAgent: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Registers the secret of a signer; an empty secret leaves its calls unsigned. */
  setSecret(signer: string, secret: string): void {
    if (secret !== '') this.keys.set(signer, secretKey(secret));
  }

  send(call: OutgoingCall, options: SendOptions): Promise<HookAnswer> {
    const headers: Record<string, string> = { 'user-agent': this.userAgent, 'webhook-id': options.webhookId };
    if (call.contentType !== '') headers['content-type'] = call.contentType;
    const key = this.keys.get(options.signer);
    if (key) Object.assign(headers, signedHeaders(key, options.webhookId, call.body, this.now()));
    return this.transport.send({
      method: call.method,
      url: call.url,
      headers,
      body: call.body,
      timeoutMs: options.timeoutMs,
      ...(options.maxAnswerBytes !== undefined ? { maxAnswerBytes: options.maxAnswerBytes } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }
}
