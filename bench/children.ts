// Child processes of the bench driver (started with a log file, always stopped, never leaked)
// and the loopback ports they listen on.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const live = new Set<ChildProcess>();

/**
 * Starts a process whose stdout and stderr go to `logFile`; `ipc` opens a Node IPC channel; `env`
 * adds to the bench's environment.
 */
export function startChild(command: string, args: string[], logFile: string, ipc = false, env?: Record<string, string>): ChildProcess {
  const fd = openSync(logFile, 'a');
  try {
    const stdio: StdioOptions = ipc ? ['ignore', fd, fd, 'ipc'] : ['ignore', fd, fd];
    const child = spawn(command, args, { stdio, env: env ? { ...process.env, ...env } : process.env });
    live.add(child);
    child.once('exit', () => live.delete(child));
    child.once('error', () => live.delete(child));
    return child;
  } finally {
    closeSync(fd);
  }
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (exited(child) || child.pid === undefined) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(timer);
}

export async function stopAllChildren(): Promise<void> {
  await Promise.all([...live].map((child) => stopChild(child)));
}

/** Resolves with the next IPC message of `type`; rejects on an error message, exit or timeout. */
export function nextMessage<M extends { type: string }, T extends M['type']>(
  child: ChildProcess,
  type: T,
  timeoutMs: number,
): Promise<Extract<M, { type: T }>> {
  return new Promise((done, fail) => {
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onMessage = (msg: M) => {
      if (msg.type !== type && msg.type !== 'error') return;
      cleanup();
      if (msg.type === 'error') fail(new Error((msg as { message?: string }).message ?? 'error'));
      else done(msg as Extract<M, { type: T }>);
    };
    const onExit = (code: number | null) => {
      cleanup();
      fail(new Error(`child process exited (code ${code}) before '${type}'`));
    };
    const timer = setTimeout(() => {
      cleanup();
      fail(new Error(`no '${type}' from the child process within ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs);
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Last lines of a log file, for error messages. */
export function logTail(logFile: string, lines = 15): string {
  try {
    return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Waits until something listens on the port, failing if the child exits first. */
export async function waitForPort(child: ChildProcess, port: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; attempt < 1000 && Date.now() < deadline; attempt++) {
    if (exited(child)) throw new Error(`exited before listening (code ${child.exitCode}, signal ${child.signalCode})`);
    if (await canConnect(port)) return;
    await sleep(100);
  }
  throw new Error(`nothing listening on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

/** A loopback port that was free a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? done(address.port) : fail(new Error('no port'))));
    });
  });
}

/** A loopback UDP port that was free a moment ago (for SRT listeners). */
export function freeUdpPort(): Promise<number> {
  return new Promise((done, fail) => {
    const socket = createSocket('udp4');
    socket.once('error', fail);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => done(port));
    });
  });
}

/**
 * A temporary directory for one bench run, and the cleanup that stops every child and removes
 * it (kept, with the servers' logs, when KEEP_BENCH_DIR is set); Ctrl-C and SIGTERM run the
 * cleanup too.
 */
export function benchWorkDir(prefix: string): { dir: string; cleanup: () => Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const cleanup = async (): Promise<void> => {
    await stopAllChildren();
    if (!process.env.KEEP_BENCH_DIR) rmSync(dir, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void cleanup().finally(() => process.exit(130)));
  }
  return { dir, cleanup };
}
