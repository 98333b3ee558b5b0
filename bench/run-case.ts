// One row of the benchmark: start a server, drive the load process against it, measure both.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ApiPoller, type ApiPollSummary } from './api-poller.js';
import type { BenchOptions } from './args.js';
import { logTail, nextMessage, startChild, stopChild } from './children.js';
import type { LoadConfig, LoadMessage, LoadSummary, StartMessage } from './load/protocol.js';
import { SERVER_LOG } from './launch.js';
import { measureCase } from './measure-case.js';
import { childrenOf, ProcessesMonitor, ServerWindow, TreeMonitor, type Usage } from './proc.js';
import { startServer, type RunningServer, type ServerCase } from './servers.js';

const LOAD_MAIN = resolve('bench', 'load', 'main.ts');

interface Measurement {
  server: Usage;
  load: Usage;
  /** Everything the machine did in the window (all processes, kernel, steal), in % of one core. */
  machineCpuPercent: number;
  summary: LoadSummary;
  /** The API's answers while polled (cases with `apiPoll`). */
  api?: ApiPollSummary;
  /** With `workers N`: the primary's CPU alone, then each worker's (% of one core). */
  processes?: Array<{ pid: number; cpuPercent: number }>;
}

export interface CaseResult extends ServerCase, Partial<Measurement> {
  /** The machine's CPU use (% of one core) in the 2 s before the case started: others' work. */
  machineCpuBefore: number;
  error?: string;
}

/** A load process started and playing. */
export interface StartedLoad {
  load: ChildProcess;
  ready: Extract<LoadMessage, { type: 'ready' }>;
}

/**
 * Starts the load process `main` (a TypeScript file under bench/load) against `server` and waits
 * until its players play; `onStart` gets the child at once, so the caller can always stop it.
 */
export async function startLoad(
  main: string,
  server: RunningServer,
  options: Pick<BenchOptions, 'players' | 'batch' | 'warmup' | 'seconds'>,
  flvPath: string,
  logFile: string,
  onStart: (load: ChildProcess) => void,
): Promise<StartedLoad> {
  const config: LoadConfig = {
    port: server.port,
    app: 'live',
    stream: `bench-${randomUUID().slice(0, 8)}`, // never collides with someone else's run
    players: options.players,
    batch: options.batch,
    flvPath,
    warmupSeconds: options.warmup,
    seconds: options.seconds,
  };
  const load = startChild(process.execPath, ['--import', 'tsx', main, JSON.stringify(config)], logFile, true);
  onStart(load);
  const connectBudgetMs = (Math.ceil(options.players / options.batch) * 20 + options.warmup + 30) * 1000;
  const ready = await nextMessage<LoadMessage, 'ready'>(load, 'ready', connectBudgetMs).catch((err: Error) => {
    throw new Error(`${err.message}\n${logTail(logFile)}`, { cause: err });
  });
  const failed = ready.failures.length ? ` (failures: ${ready.failures.join('; ')})` : '';
  console.log(`  ${ready.connected} players playing${failed}`);
  return { load, ready };
}

async function measure(c: ServerCase, options: BenchOptions, flvPath: string, dir: string): Promise<Measurement> {
  const server = await startServer(c, dir);
  if (!c.round) console.log(server.config.replace(/^/gm, '    '));
  let load: ChildProcess | undefined;
  try {
    ({ load } = await startLoad(LOAD_MAIN, server, options, flvPath, join(dir, 'load.log'), (child) => (load = child)));
    console.log(`  measuring for ${options.seconds} s`);

    const meter = new ServerWindow(server.pid);
    const loadMonitor = new TreeMonitor(load.pid ?? 0);
    // With workers N: the primary's and each worker's CPU, apart.
    const processes = (c.workers ?? 1) > 1 ? new ProcessesMonitor([server.pid, ...childrenOf(server.pid)]) : undefined;
    processes?.start();
    meter.start();
    loadMonitor.start();
    const result = nextMessage<LoadMessage, 'result'>(load, 'result', (options.seconds + 30) * 1000);
    load.send({ type: 'start' } satisfies StartMessage);
    const poller = server.apiPort ? new ApiPoller(`http://127.0.0.1:${server.apiPort}/api/v1/clients/?count=${options.players + 10}`) : undefined;
    poller?.start();
    const stopMonitors = () => {
      const { server: serverUsage, machineCpuPercent } = meter.stop();
      return { server: serverUsage, load: loadMonitor.stop(), machineCpuPercent, processes: processes?.stop() };
    };
    const { summary } = await result.catch((err: unknown) => {
      stopMonitors();
      throw err;
    });
    const usage = stopMonitors();
    const api = await poller?.stop();
    const exit = server.exitStatus();
    if (exit !== undefined) throw new Error(`the server exited during the run (${exit})`);
    if (summary.playersLost > 0) console.log(`  ${summary.playersLost} players lost; server log ends:\n${logTail(join(dir, SERVER_LOG), 5)}`);
    if (summary.framesUnmatched > 0) console.log(`  ${summary.framesUnmatched} video frames carried timestamps never published: latency covers only the others`);
    return { ...usage, summary, api };
  } finally {
    if (load) await stopChild(load);
    await server.stop();
  }
}

/** Runs one case in its own directory under `workDir`; a failure becomes the row's error. */
export async function runCase(c: ServerCase, options: BenchOptions, flvPath: string, workDir: string): Promise<CaseResult> {
  // One directory per run: with --rounds the same case runs more than once.
  const dir = mkdtempSync(join(workDir, `${c.label.replace(/[^a-z0-9]+/gi, '-')}-`));
  return measureCase<CaseResult>(
    { label: c.label, quietWait: options.quietWait, serverLog: join(dir, SERVER_LOG) },
    async (start) => ({ ...c, ...(await measure(c, options, flvPath, dir)), ...start }),
    (start, error) => ({ ...c, ...start, error }),
  );
}
