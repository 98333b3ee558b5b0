import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { startSluice, type RunningSluice, type StartOptions } from '../../src/app/sluice.js';
import { parseConfig, type SluiceConfigInput } from '../../src/config/schema.js';

export interface TestServer extends RunningSluice {
  readonly dataDir: string;
  /** Every log line so far, parsed. */
  logs(): Array<Record<string, unknown>>;
  /** Resolves with the first log line that matches, or rejects after the timeout. */
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  rtmpUrl(path: string): string;
  httpUrl(path: string): string;
}

/**
 * Starts Sluice on loopback with ephemeral ports, a fresh data directory and captured logs.
 * `reload` is how the server reads its configuration again (a config file, in reload tests).
 */
export async function startTestServer(overrides: SluiceConfigInput = {}, reload?: StartOptions['reload']): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sluice-test-'));
  const config = parseConfig({
    listen: '127.0.0.1:0',
    http_server: { listen: '127.0.0.1:0', dir: join(dataDir, 'html') },
    http_api: { listen: '127.0.0.1:0' },
    data_dir: dataDir,
    log_level: 'debug',
    // startSluice is one process; a test of workers runs the CLI (test/e2e/workers.test.ts).
    workers: 1,
    ...overrides,
  });
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = pino({ level: 'debug' }, sink);
  const server = await startSluice({ config, logger, ...(reload ? { reload } : {}) });
  return {
    ...server,
    dataDir,
    logs: () => lines,
    async waitForLog(match, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const found = lines.find(match);
        if (found) return found;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error('expected log line did not appear');
    },
    rtmpUrl: (path) => `rtmp://127.0.0.1:${server.rtmpPort}/${path}`,
    httpUrl: (path) => `http://127.0.0.1:${server.httpPort}/${path}`,
    async close() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
