import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type * as Undici from 'undici';
import { SluiceError } from '../../util/errors.js';
import { tlsModule } from '../../util/tls-modules.js';
import { AnswerReader } from './answer-reader.js';

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
 * on a warm pool costs one round trip (SRS opens a new TCP connection per call). Calls go
 * through undici's `dispatch` with a small handler (`AnswerReader`).
 */
export class PooledTransport implements HookTransport {
  private readonly agent: Undici.Agent;
  private readonly maxBodyBytes: number;
  private closing: Promise<void> | undefined;

  constructor(options: PooledTransportOptions = {}) {
    this.maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;
    // Loaded when callbacks are configured: a server without them never pays for the client.
    const { Agent } = createRequire(import.meta.url)('undici') as typeof Undici;
    this.agent = new Agent({
      connections: options.connectionsPerOrigin ?? 64,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 60_000,
      // Giving `ca` replaces Node's roots: keep them, so public receivers stay trusted.
      ...(options.ca?.length ? { connect: { ca: [...tlsModule().rootCertificates, ...options.ca] } } : {}),
    });
  }

  send(req: HookRequest): Promise<HookAnswer> {
    const started = performance.now();
    return new Promise((resolve, reject) => {
      let timedOut = false;
      const onAbort = (): void => reader.cut(new Error('aborted'));
      const reader = new AnswerReader(req.maxAnswerBytes ?? this.maxBodyBytes, (end) => {
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
        const latencyMs = performance.now() - started;
        if ('answer' in end) return resolve({ ...end.answer, latencyMs });
        const { error } = end;
        if (timedOut) reject(new HookTransportError(`did not answer within ${req.timeoutMs} ms`, 'timeout', latencyMs, { cause: error }));
        else if (req.signal?.aborted) reject(new HookTransportError('call aborted at shutdown', 'aborted', latencyMs, { cause: error }));
        else reject(new HookTransportError(`is unreachable: ${describe(error)}`, 'unreachable', latencyMs, { cause: error }));
      });
      const timer = setTimeout(() => {
        timedOut = true;
        reader.cut(new Error('timeout'));
      }, req.timeoutMs);
      if (req.signal?.aborted) return onAbort();
      req.signal?.addEventListener('abort', onAbort, { once: true });
      let url: URL;
      try {
        url = new URL(req.url);
      } catch (error) {
        return reader.onError(error as Error);
      }
      // Errors, even a closed agent or a bad URL, reach the reader's onError.
      this.agent.dispatch(
        {
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: req.method,
          headers: req.headers,
          body: req.method === 'POST' ? req.body : null,
        },
        reader,
      );
    });
  }

  /**
   * Sends one call to a throwaway receiver of its own on loopback, so that the HTTP client's code
   * is compiled and its parser instantiated before the first real call: after a restart, the
   * first callbacks of an audience reconnecting at once would otherwise wait for that
   * (docs/BENCHMARKS.md, gate under a burst). Nothing reaches the configured receivers. Never
   * fails: resolves whether its own receiver answered.
   */
  async warmUp(): Promise<boolean> {
    const server = createServer((req, res) => {
      req.resume();
      req.once('end', () => res.end('{"code":0}'));
    });
    try {
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      const answer = await this.send({ method: 'POST', url: `http://127.0.0.1:${port}/warm-up`, headers: { 'content-type': 'application/json' }, body: '{}', timeoutMs: 5000 });
      return answer.status === 200;
    } catch {
      return false; // only a warm-up: the first real call pays what this did not
    } finally {
      server.closeAllConnections();
      server.close();
    }
  }

  /** Lets calls in flight finish; later ones fail. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.agent.close();
    return this.closing;
  }
}

function describe(error: unknown): string {
  const err = error as { code?: string; message?: string; cause?: { code?: string } };
  return err.cause?.code ?? err.code ?? err.message ?? String(error);
}
