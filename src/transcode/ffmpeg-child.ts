import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../util/logger.js';

export interface FfmpegChildOptions {
  ffmpegPath: string;
  args: readonly string[];
  log: Logger;
  /** Called before each start (first and restarts): reset parsers, return the bytes the input opens with. */
  onStart(): Buffer | undefined;
  onStdout(chunk: Buffer): void;
}

/** Bytes the child may have unread on its stdin before input is dropped (about 10 s of AAC at 64 kb/s). */
const MAX_PENDING_BYTES = 96 * 1024;
const RESTART_MIN_MS = 250;
const RESTART_MAX_MS = 10_000;
/** A child that ran this long counts as healthy: the next crash restarts it quickly again. */
const HEALTHY_MS = 30_000;
const CLOSE_TIMEOUT_MS = 2000;
const STDERR_LINES_PER_WINDOW = 10;
const LOG_WINDOW_MS = 10_000;

/**
 * One ffmpeg process kept running: restarted with a growing delay when it dies, its stderr
 * logged (a bounded number of lines per window), its stdin written without ever blocking or
 * queueing without bound. `close` ends stdin, waits, then kills; the process is always reaped.
 */
export class FfmpegChild {
  restarts = 0;
  dropped = 0;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private closing = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private backoffMs = RESTART_MIN_MS;
  private stderrTail = '';
  private stderrWindow = { start: 0, lines: 0, suppressed: 0 };
  private dropWindow = { start: 0, count: 0 };

  constructor(private readonly options: FfmpegChildOptions) {
    this.start();
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Writes to the child's stdin; false when the bytes were dropped (child down or not reading). */
  write(bytes: Buffer): boolean {
    const stdin = this.child?.stdin;
    if (!stdin || !stdin.writable || stdin.writableLength > MAX_PENDING_BYTES) {
      this.drop();
      return false;
    }
    stdin.write(bytes);
    return true;
  }

  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (child) {
      child.stdin?.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), CLOSE_TIMEOUT_MS);
      await this.exited;
      clearTimeout(timer);
    }
    this.flushDropLog();
  }

  private start(): void {
    const { ffmpegPath, args, log } = this.options;
    const opening = this.options.onStart();
    const child = spawn(ffmpegPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    const startedAt = Date.now();
    // EPIPE and the like when the child dies: the exit handler deals with it.
    child.stdin.on('error', () => {});
    child.stdout.on('data', (chunk: Buffer) => {
      if (this.child === child) this.options.onStdout(chunk);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => this.stderr(text));
    this.exited = new Promise((resolve) => {
      child.once('error', (error) => {
        log.error({ err: error, ffmpeg: ffmpegPath }, 'ffmpeg could not be started');
        // 'close' may not follow a failed spawn.
        if (child.pid === undefined) this.exitedWith(child, startedAt, null, null, resolve);
      });
      child.once('close', (code, signal) => this.exitedWith(child, startedAt, code, signal, resolve));
    });
    if (opening) this.write(opening);
  }

  private exitedWith(child: ChildProcess, startedAt: number, code: number | null, signal: NodeJS.Signals | null, resolve: () => void): void {
    resolve();
    if (this.child !== child) return;
    this.child = undefined;
    this.flushStderr();
    if (this.closing) return;
    if (Date.now() - startedAt > HEALTHY_MS) this.backoffMs = RESTART_MIN_MS;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(RESTART_MAX_MS, this.backoffMs * 2);
    this.options.log.warn({ code, signal, pid: child.pid, restartInMs: delay }, 'ffmpeg transcoder exited, restarting');
    this.restartTimer = setTimeout(() => {
      this.restarts++;
      this.start();
    }, delay);
  }

  private stderr(text: string): void {
    const lines = (this.stderrTail + text).split('\n');
    this.stderrTail = lines.pop() ?? '';
    if (this.stderrTail.length > 4096) this.stderrTail = this.stderrTail.slice(0, 4096);
    for (const line of lines) if (line.trim()) this.stderrLine(line.trim());
  }

  private flushStderr(): void {
    if (this.stderrTail.trim()) this.stderrLine(this.stderrTail.trim());
    this.stderrTail = '';
  }

  private stderrLine(line: string): void {
    const now = Date.now();
    const window = this.stderrWindow;
    if (now - window.start > LOG_WINDOW_MS) {
      if (window.suppressed > 0) this.options.log.warn({ suppressed: window.suppressed }, 'ffmpeg transcoder: stderr lines not logged');
      this.stderrWindow = { start: now, lines: 0, suppressed: 0 };
    }
    if (this.stderrWindow.lines++ < STDERR_LINES_PER_WINDOW) this.options.log.warn({ ffmpeg: line }, 'ffmpeg transcoder');
    else this.stderrWindow.suppressed++;
  }

  private drop(): void {
    this.dropped++;
    this.dropWindow.count++;
    if (Date.now() - this.dropWindow.start > LOG_WINDOW_MS) this.flushDropLog();
  }

  private flushDropLog(): void {
    if (this.dropWindow.count > 0) {
      this.options.log.warn({ dropped: this.dropWindow.count, total: this.dropped, running: this.child !== undefined }, 'ffmpeg transcoder input dropped: the process is down or not reading');
    }
    this.dropWindow = { start: Date.now(), count: 0 };
  }
}
