// One row of the benchmark: start a server, drive the load process against it, measure both.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ApiPoller, type ApiPollSummary } from './api-poller.js';
import type { BenchOptions } from './args.js';
import { logTail, nextMessage, startChild, stopChild } from './children.js';
import type { LoadConfig, LoadMessage, LoadSummary, StartMessage } from './load/protocol.js';
import { MachineMonitor, TreeMonitor, machineBusyPercent, type Usage } from './proc.js';
import { SERVER_LOG, startServer, type RunningServer, type ServerCase } from './servers.js';

const LOAD_MAIN = resolve('bench', 'load', 'main.ts');
/** Machine CPU use (% of one core) under which the machine counts as idle. */
const QUIET_CPU_PERCENT = 25;

interface Measurement {
  server: Usage;
  load: Usage;
  /** Everything the machine did in the window (all processes, kernel, steal), in % of one core. */
  machineCpuPercent: number;
  summary: LoadSummary;
  /** The API's answers while polled (cases with `apiPoll`). */
  api?: ApiPollSummary;
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
  let load: ChildProcess | undefined;
  try {
    ({ load } = await startLoad(LOAD_MAIN, server, options, flvPath, join(dir, 'load.log'), (child) => (load = child)));
    console.log(`  measuring for ${options.seconds} s`);

    const serverMonitor = new TreeMonitor(server.pid);
    const loadMonitor = new TreeMonitor(load.pid ?? 0);
    const machineMonitor = new MachineMonitor();
    serverMonitor.start();
    loadMonitor.start();
    machineMonitor.start();
    const result = nextMessage<LoadMessage, 'result'>(load, 'result', (options.seconds + 30) * 1000);
    load.send({ type: 'start' } satisfies StartMessage);
    const poller = server.apiPort ? new ApiPoller(`http://127.0.0.1:${server.apiPort}/api/v1/clients/?count=${options.players + 10}`) : undefined;
    poller?.start();
    const stopMonitors = () => ({ server: serverMonitor.stop(), load: loadMonitor.stop(), machineCpuPercent: machineMonitor.stop() });
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

/** Waits up to `maxSeconds` for the machine to be nearly idle; returns its last CPU use. */
export async function waitForQuiet(maxSeconds: number): Promise<number> {
  let busy = await machineBusyPercent(2000);
  for (let waited = 2; busy > QUIET_CPU_PERCENT && waited < maxSeconds; waited += 2) busy = await machineBusyPercent(2000);
  return busy;
}

/** Runs one case in its own directory under `workDir`; a failure becomes the row's error. */
export async function runCase(c: ServerCase, options: BenchOptions, flvPath: string, workDir: string): Promise<CaseResult> {
  // One directory per run: with --rounds the same case runs more than once.
  const dir = mkdtempSync(join(workDir, `${c.label.replace(/[^a-z0-9]+/gi, '-')}-`));
  const machineCpuBefore = await waitForQuiet(options.quietWait);
  console.log(`${c.label}: starting (machine CPU before: ${machineCpuBefore.toFixed(0)} % of one core)`);
  try {
    return { ...c, ...(await measure(c, options, flvPath, dir)), machineCpuBefore };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    console.log(`${c.label}: FAILED: ${message}\n  server log ends:\n${logTail(join(dir, SERVER_LOG), 8)}`);
    return { ...c, machineCpuBefore, error: message.split('\n')[0] ?? message };
  }
}
