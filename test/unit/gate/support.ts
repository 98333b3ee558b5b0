import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, type SluiceConfigInput } from '../../../src/config/schema.js';
import { createGate, type GateOptions, type ManagedGate } from '../../../src/gate/index.js';
import type { ClientSession } from '../../../src/gate/types.js';
import { silentLogger } from '../../../src/util/logger.js';

/** One request a receiver got. */
export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  rawHeaders: string[];
  body: string;
  /** The client's port: the same port for two requests means a reused connection. */
  remotePort: number;
}

export type Answer = (req: Received, res: ServerResponse) => unknown;

/** A real HTTP receiver on 127.0.0.1 that records every request and answers with `answer`. */
export class Receiver {
  readonly requests: Received[] = [];
  answer: Answer = (_req, res) => res.end('0');

  private constructor(private readonly server: Server) {}

  static async start(answer?: Answer, port = 0): Promise<Receiver> {
    const server = createServer();
    const receiver = new Receiver(server);
    if (answer) receiver.answer = answer;
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const received = {
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          rawHeaders: req.rawHeaders,
          body: Buffer.concat(chunks).toString('utf8'),
          remotePort: req.socket.remotePort ?? 0,
        };
        receiver.requests.push(received);
        void Promise.resolve(receiver.answer(received, res)).catch(() => res.destroy());
      });
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return receiver;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Resolves once `count` requests arrived (optionally only those matching). */
  async waitFor(count: number, match: (r: Received) => boolean = () => true, timeoutMs = 5000): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.requests.filter(match);
      if (found.length >= count) return found;
      if (Date.now() > deadline) throw new Error(`expected ${count} requests, got ${found.length}: ${this.requests.map((r) => r.url).join(', ')}`);
      await sleep(10);
    }
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface FakeSession extends ClientSession {
  terminated: string[];
}

/** A session as the RTMP server would fill it in for `ffmpeg -i … rtmp://127.0.0.1:19350/live/livestream?…`. */
export function fakeSession(overrides: Partial<ClientSession> = {}): FakeSession {
  const terminated: string[] = [];
  return {
    id: 'c1ient01',
    protocol: 'rtmp',
    ip: '127.0.0.1',
    vhost: '__defaultVhost__',
    app: 'live',
    stream: 'livestream',
    param: '',
    tcUrl: 'rtmp://127.0.0.1:19350/live',
    pageUrl: '',
    swfUrl: '',
    flashVer: 'FMLE/3.0 (compatible; Lavf59.27',
    requestUrl: 'rtmp://127.0.0.1:19350/live/livestream',
    startedAt: Date.now(),
    bytesSent: () => 4501,
    bytesReceived: () => 2576446,
    terminate: (reason: string) => void terminated.push(reason),
    terminated,
    ...overrides,
  };
}

/** A temporary data directory, removed by the returned function. */
export function tempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-gate-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A gate over `vhost` (the default vhost's block settings) with fast outbox retries. */
export function makeGate(
  vhost: Record<string, unknown>,
  dataDir: string,
  options: Partial<GateOptions> = {},
): ManagedGate {
  const input: SluiceConfigInput = { data_dir: dataDir, vhosts: { __defaultVhost__: vhost } };
  return createGate({
    config: parseConfig(input),
    logger: silentLogger(),
    outbox: { baseDelayMs: 20, maxDelayMs: 100 },
    ...options,
  });
}

/** A receiver closed when the test ends, whether it passes or not. */
export async function startReceiver(t: { after(fn: () => Promise<void>): void }, answer?: Answer): Promise<Receiver> {
  const receiver = await Receiver.start(answer);
  t.after(() => receiver.close());
  return receiver;
}
