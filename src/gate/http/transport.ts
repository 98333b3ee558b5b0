import { AnswerReader, Http1Error, encodeRequest } from './http1.js';
import { OriginPool, type Lease } from './origin-pool.js';
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
}

/**
 * All receivers share keep-alive connection pools (one per origin), so a gate call on a warm
 * pool costs one round trip (SRS opens a new TCP connection per call). Requests go out as one
 * write and answers are read by a small HTTP/1.1 reader: a call costs about half the CPU it
 * does through undici, and a burst of players runs short of CPU first (docs/BENCHMARKS.md,
 * "Gate under a burst").
 */
export class PooledTransport implements HookTransport {
  private readonly pools = new Map<string, OriginPool>();
  private readonly maxBodyBytes: number;
  private readonly connectionsPerOrigin: number;

  constructor(options: PooledTransportOptions = {}) {
    this.maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;
    this.connectionsPerOrigin = options.connectionsPerOrigin ?? 64;
  }

  async send(req: HookRequest): Promise<HookAnswer> {
    const started = performance.now();
    const failed = (message: string, kind: TransportFailure, cause?: unknown) =>
      new HookTransportError(message, kind, performance.now() - started, { cause });
    let url: URL;
    let request: Buffer;
    try {
      url = new URL(req.url);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Http1Error(`unsupported protocol ${url.protocol}`);
      request = encodeRequest(req.method, url, req.headers, req.body);
    } catch (error) {
      throw failed(`is unreachable: ${error instanceof Http1Error ? error.message : 'invalid URL'}`, 'unreachable', error);
    }
    if (req.signal?.aborted) throw failed('call aborted at shutdown', 'aborted');
    const call: Call = { request, started, deadline: started + req.timeoutMs, req, limit: req.maxAnswerBytes ?? this.maxBodyBytes };
    const pool = this.poolOf(url);
    try {
      return await exchange(pool, call);
    } catch (error) {
      // The receiver closed an idle kept-alive connection just as it was reused: the request
      // never reached it, so it is sent once more, on a fresh or another idle connection.
      if (!(error instanceof StaleConnection)) throw error;
      return exchange(pool, call);
    }
  }

  async close(): Promise<void> {
    for (const pool of this.pools.values()) pool.close();
    this.pools.clear();
  }

  private poolOf(url: URL): OriginPool {
    let pool = this.pools.get(url.origin);
    if (!pool) {
      pool = new OriginPool(url, this.connectionsPerOrigin);
      this.pools.set(url.origin, pool);
    }
    return pool;
  }
}

interface Call {
  request: Buffer;
  started: number;
  deadline: number;
  req: HookRequest;
  limit: number;
}

class StaleConnection extends Error {}

/** One request on a pooled connection: waits for a connection, writes, reads the answer. */
function exchange(pool: OriginPool, call: Call): Promise<HookAnswer> {
  const { req } = call;
  return new Promise((resolve, reject) => {
    let lease: Lease | undefined;
    let socketError: Error | undefined;
    const reader = new AnswerReader(call.limit);
    const onError = (error: Error): void => {
      socketError ??= error;
    };
    const onData = (data: Buffer): void => {
      try {
        const answer = reader.push(data);
        if (!answer) return;
        const current = lease!;
        finish();
        pool.release(current.socket, answer.keepAlive);
        const { status, location, body, truncated } = answer;
        resolve({ status, location, body: body.toString('utf8'), truncated, latencyMs: performance.now() - call.started });
      } catch (error) {
        fail(`is unreachable: ${(error as Error).message}`, 'unreachable', error);
      }
    };
    const onClose = (): void => {
      if (lease?.reused && reader.received === 0 && !socketError) {
        finish();
        reject(new StaleConnection());
        return;
      }
      try {
        const answer = reader.end();
        finish();
        resolve({ ...answer, body: answer.body.toString('utf8'), latencyMs: performance.now() - call.started });
      } catch (error) {
        const why = socketError ? describe(socketError) : (error as Error).message;
        fail(`is unreachable: ${why}`, 'unreachable', socketError ?? error);
      }
    };
    const cancelWait = pool.acquire((taken) => {
      lease = taken;
      taken.socket.on('data', onData);
      taken.socket.on('error', onError);
      taken.socket.on('close', onClose);
      taken.socket.write(call.request);
    });
    const timer = setTimeout(() => fail(`did not answer within ${req.timeoutMs} ms`, 'timeout'), Math.max(0, call.deadline - performance.now()));
    const onAbort = (): void => fail('call aborted at shutdown', 'aborted');
    req.signal?.addEventListener('abort', onAbort, { once: true });

    function finish(): void {
      clearTimeout(timer);
      cancelWait();
      req.signal?.removeEventListener('abort', onAbort);
      if (!lease) return;
      lease.socket.off('data', onData);
      lease.socket.off('error', onError);
      lease.socket.off('close', onClose);
    }
    function fail(message: string, kind: TransportFailure, cause?: unknown): void {
      const socket = lease?.socket;
      finish();
      socket?.destroy(); // a half-read answer leaves the connection unusable
      reject(new HookTransportError(message, kind, performance.now() - call.started, { cause }));
    }
  });
}

function describe(error: unknown): string {
  const err = error as { code?: string; message?: string; cause?: { code?: string } };
  return err.cause?.code ?? err.code ?? err.message ?? String(error);
}
