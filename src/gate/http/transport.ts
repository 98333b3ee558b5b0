import { createRequire } from 'node:module';
import { rootCertificates } from 'node:tls';
import type * as Undici from 'undici';
import { SluiceError } from '../../util/errors.js';

/** One HTTP call to a callback receiver. */
export interface HookRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** Reads at most this much of the answer (default: the transport's limit). */
  maxAnswerBytes?: number;
  /** Aborts the call early (shutdown). */
  signal?: AbortSignal;
}

/** What the receiver answered; the body is cut at the transport's limit. */
export interface HookAnswer {
  status: number;
  /** The `Location` header, for the notify dialect's 3xx renames. */
  location: string | undefined;
  body: string;
  /** The body was longer than the limit and was cut. */
  truncated: boolean;
  latencyMs: number;
}

export type TransportFailure = 'timeout' | 'unreachable' | 'aborted';

/** The receiver could not be asked: refused connection, bad URL, timeout, shutdown. */
export class HookTransportError extends SluiceError {
  constructor(
    message: string,
    readonly kind: TransportFailure,
    readonly latencyMs: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface HookTransport {
  send(req: HookRequest): Promise<HookAnswer>;
  close(): Promise<void>;
}

export interface PooledTransportOptions {
  /** Longest answer body kept; a longer one is cut and marked truncated. */
  maxBodyBytes?: number;
  /** Connections kept per receiver origin. */
  connectionsPerOrigin?: number;
  /** Extra CA certificates (PEM) trusted for https:// receivers, besides the system's. */
  ca?: string[];
}

/**
 * All receivers share one undici Agent: keep-alive connection pools per origin, so a gate call
 * on a warm pool costs one round trip (SRS opens a new TCP connection per call).
 */
export class PooledTransport implements HookTransport {
  private readonly agent: Undici.Agent;
  private readonly request: typeof Undici.request;
  private readonly maxBodyBytes: number;

  constructor(options: PooledTransportOptions = {}) {
    this.maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;
    // Loaded when callbacks are configured: a server without them never pays for the client.
    const { Agent, request } = createRequire(import.meta.url)('undici') as typeof Undici;
    this.request = request;
    this.agent = new Agent({
      connections: options.connectionsPerOrigin ?? 64,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 60_000,
      // Giving `ca` replaces Node's roots: keep them, so public receivers stay trusted.
      ...(options.ca?.length ? { connect: { ca: [...rootCertificates, ...options.ca] } } : {}),
    });
  }

  async send(req: HookRequest): Promise<HookAnswer> {
    const started = performance.now();
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, req.timeoutMs);
    const onAbort = (): void => controller.abort();
    req.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const res = await this.request(req.url, {
        dispatcher: this.agent,
        method: req.method,
        headers: req.headers,
        body: req.method === 'POST' ? req.body : null,
        signal: controller.signal,
      });
      const { body, truncated } = await readLimited(res.body, req.maxAnswerBytes ?? this.maxBodyBytes);
      const location = res.headers.location;
      return {
        status: res.statusCode,
        location: Array.isArray(location) ? location[0] : location,
        body,
        truncated,
        latencyMs: performance.now() - started,
      };
    } catch (error) {
      const latencyMs = performance.now() - started;
      if (timedOut) throw new HookTransportError(`did not answer within ${req.timeoutMs} ms`, 'timeout', latencyMs, { cause: error });
      if (req.signal?.aborted) throw new HookTransportError('call aborted at shutdown', 'aborted', latencyMs, { cause: error });
      throw new HookTransportError(`is unreachable: ${describe(error)}`, 'unreachable', latencyMs, { cause: error });
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

/** Reads at most `limit` bytes, then drops the rest of a (possibly hostile) huge answer. */
async function readLimited(body: AsyncIterable<Buffer> & { destroy(): unknown }, limit: number) {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size > limit) {
      body.destroy();
      return { body: Buffer.concat(chunks).subarray(0, limit).toString('utf8'), truncated: true };
    }
  }
  return { body: Buffer.concat(chunks).toString('utf8'), truncated: false };
}

function describe(error: unknown): string {
  const err = error as { code?: string; message?: string; cause?: { code?: string } };
  return err.cause?.code ?? err.code ?? err.message ?? String(error);
}
