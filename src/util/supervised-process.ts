import { spawn, type ChildProcess } from 'node:child_process';
import { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import type { Logger } from './logger.js';

export type SupervisedState = 'running' | 'retrying' | 'stopped';

/** What the API shows of a supervised process. */
export interface SupervisedStatus {
  state: SupervisedState;
  /** Process id while running. */
  pid?: number;
  /** How many times it was started again after it ended. */
  restarts: number;
  /** Why it last ended or failed to start, with its last stderr line. */
  lastError?: string;
  /** Epoch ms of the current run's start, while running. */
  startedAt?: number;
}

/** A child fed on stdin and read on stdout (without these, both are closed). */
export interface SupervisedPipes {
  /** Bytes the child may leave unread on its stdin before `write` drops input. */
  maxPendingBytes: number;
  /** Called before each start (first and restarts): reset parsers, return the bytes stdin opens with. */
  onStart?: () => Buffer | undefined;
  /** Each chunk of the current child's stdout. */
  onStdout: (chunk: Buffer) => void;
}

export interface SupervisedProcessOptions {
  /** Names the process in logs, e.g. `ingest livestream`. */
  name: string;
  command: string;
  args: readonly string[];
  logger: Logger;
  backoff?: BackoffOptions;
  /** How long `stop()` waits after SIGTERM (or the end of stdin) before SIGKILL, ms. Default 5000. */
  stopTimeoutMs?: number;
  /** Most stderr lines logged per 10 s; the rest are counted and reported as suppressed. Default 20. */
  stderrLinesPer10s?: number;
  /** The log level of stderr lines: `warn` for a child run quiet (`-loglevel warning`). Default info. */
  stderrLevel?: 'info' | 'warn';
  /** stdin and stdout as pipes; `stop()` then ends stdin (the child flushes and exits) instead of SIGTERM. */
  pipes?: SupervisedPipes;
  env?: NodeJS.ProcessEnv;
  /** Called after every change of state (start, exit, retry, stop). */
  onChange?: (status: SupervisedStatus) => void;
}

const LOG_WINDOW_MS = 10_000;
/** Longest stderr line kept while waiting for its end; the rest of it is cut. */
const MAX_PARTIAL_LINE = 4096;

/**
 * A child process kept running: started again after it ends, with exponential backoff and jitter
 * (reset once a run lasted a healthy minute); its stderr goes to the log line by line, rate
 * limited; `stop()` sends SIGTERM, then SIGKILL after a timeout, and resolves once the child is
 * reaped, so no zombie is left behind. With `pipes`, `write` feeds its stdin without ever
 * blocking or queueing without bound.
 */
export class SupervisedProcess {
  private child?: ChildProcess;
  private wanted = false;
  private retryTimer?: NodeJS.Timeout;
  private exited?: Promise<void>;
  private readonly backoff: Backoff;
  private readonly current: SupervisedStatus = { state: 'stopped', restarts: 0 };
  private lastStderr = '';
  private logWindowStart = 0;
  private linesInWindow = 0;
  private suppressed = 0;

  constructor(private readonly options: SupervisedProcessOptions) {
    this.backoff = new Backoff(options.backoff ?? DEFAULT_BACKOFF);
  }

  status(): SupervisedStatus {
    return { ...this.current };
  }

  /** Starts the process (and keeps it running) unless already started. */
  start(): void {
    if (this.wanted) return;
    this.wanted = true;
    this.spawnChild();
  }

  /** Writes to the child's stdin; false when the bytes were dropped (child down or not reading). */
  write(bytes: Buffer): boolean {
    const stdin = this.child?.stdin;
    if (!stdin || !stdin.writable || stdin.writableLength > (this.options.pipes?.maxPendingBytes ?? 0)) return false;
    stdin.write(bytes);
    return true;
  }

  /** Stops the process and any pending restart; resolves once the child has exited. */
  async stop(): Promise<void> {
    this.wanted = false;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const child = this.child;
    if (child && this.exited) {
      const exited = this.exited;
      if (this.options.pipes) child.stdin?.end();
      else child.kill('SIGTERM');
      const timer = setTimeout(() => {
        const why = this.options.pipes ? 'process did not exit at the end of its input' : 'process ignored SIGTERM';
        this.options.logger.warn({ process: this.options.name, pid: child.pid }, `${why}; killing it`);
        child.kill('SIGKILL');
      }, this.options.stopTimeoutMs ?? 5000);
      await exited;
      clearTimeout(timer);
    }
    this.update({ state: 'stopped', pid: undefined, startedAt: undefined });
  }

  private spawnChild(): void {
    const { name, command, args, logger, pipes } = this.options;
    this.lastStderr = '';
    const opening = pipes?.onStart?.();
    const io = pipes ? 'pipe' : 'ignore';
    const child = spawn(command, args, { stdio: [io, io, 'pipe'], env: this.options.env });
    this.child = child;
    const startedAt = Date.now();
    let settle!: () => void;
    this.exited = new Promise((resolve) => (settle = resolve));
    let done = false;
    let partial = '';
    const ended = (error: string): void => {
      if (done) return;
      done = true;
      if (this.child === child) {
        this.child = undefined;
        this.exited = undefined;
      }
      this.flushSuppressed();
      settle();
      this.afterExit(error, Date.now() - startedAt);
    };
    child.on('error', (error) => {
      // Without a pid the process never started (missing binary, no permission).
      if (child.pid === undefined) ended(`could not start ${command}: ${error.message}`);
      else logger.warn({ process: name, err: error }, 'process error');
    });
    // 'close' rather than 'exit': all of stderr (and stdout) has been read by then.
    child.on('close', (code, signal) => {
      this.stderrLine(partial);
      const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
      ended(this.lastStderr ? `${how}: ${this.lastStderr}` : how);
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      const lines = (partial + chunk).split(/\r\n|\r|\n/);
      partial = (lines.pop() ?? '').slice(0, MAX_PARTIAL_LINE);
      for (const line of lines) this.stderrLine(line);
    });
    // EPIPE and the like when the child dies: the close handler deals with it.
    child.stdin?.on('error', () => {});
    child.stdout?.on('data', (chunk: Buffer) => {
      if (this.child === child) pipes?.onStdout(chunk);
    });
    if (child.pid !== undefined) {
      logger.info({ process: name, pid: child.pid, command, args }, 'process started');
      this.update({ state: 'running', pid: child.pid, startedAt });
      if (opening) this.write(opening);
    }
  }

  private afterExit(error: string, upForMs: number): void {
    this.current.lastError = error;
    if (!this.wanted) return;
    const delayMs = this.backoff.next(upForMs);
    this.options.logger.warn({ process: this.options.name, error, retryInMs: delayMs }, 'process ended; restarting');
    this.update({ state: 'retrying', pid: undefined, startedAt: undefined });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.wanted) return;
      this.current.restarts++;
      this.spawnChild();
    }, delayMs);
  }

  private stderrLine(line: string): void {
    const text = line.trim();
    if (!text) return;
    this.lastStderr = text.slice(0, 500);
    const now = Date.now();
    if (now - this.logWindowStart >= LOG_WINDOW_MS) {
      this.flushSuppressed();
      this.logWindowStart = now;
      this.linesInWindow = 0;
    }
    if (this.linesInWindow++ < (this.options.stderrLinesPer10s ?? 20)) {
      this.options.logger[this.options.stderrLevel ?? 'info']({ process: this.options.name, stderr: this.lastStderr }, 'process stderr');
    } else {
      this.suppressed++;
    }
  }

  private flushSuppressed(): void {
    if (this.suppressed === 0) return;
    this.options.logger.info({ process: this.options.name, lines: this.suppressed }, 'process stderr lines suppressed');
    this.suppressed = 0;
  }

  private update(change: Partial<SupervisedStatus>): void {
    Object.assign(this.current, change);
    for (const key of ['pid', 'startedAt'] as const) if (this.current[key] === undefined) delete this.current[key];
    this.options.onChange?.(this.status());
  }
}
