// `npm run bench:push`: one ~3 Mbps source forwarded to N push targets (nginx-rtmp, one process
// each), against the same source played by N RTMP players, in the same run; then one target
// killed and Sluice's memory followed for minutes. See docs/BENCHMARKS.md, "Push targets".
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { intArg } from './args.js';
import { benchWorkDir, logTail, nextMessage, startChild, stopChild } from './children.js';
import { ensureFixture, fixtureMediaMbps } from './fixture.js';
import { peerVersions } from './gate-servers.js';
import { SERVER_LOG } from './launch.js';
import type { LoadConfig, LoadMessage, StartMessage } from './load/protocol.js';
import { inRounds, measureCase } from './measure-case.js';
import { PidsCpuMonitor, ServerWindow } from './proc.js';
import { PHASES, formatReport, saveResults, type Phase, type PhaseRun } from './push-report.js';
import { checkPrerequisites, startSluice, startTarget, type RunningProcess, type RunningSluice } from './push-servers.js';
import { followDeadTarget, type DeadTargetResult } from './push-dead-target.js';
import { pushMbps, readPushes } from './pushes.js';
import { parseFlags, printResults, runBench } from './script.js';

export interface PushOptions {
  targets: number;
  players: number;
  seconds: number;
  warmup: number;
  runs: number;
  quietWait: number;
  deadMinutes: number;
  sampleSeconds: number;
  /** Targets killed for the memory part; 0 follows memory with every target alive (a control). */
  kill: number;
}

const USAGE = `Usage: npm run bench:push -- [options]
  --targets N       push targets, each an nginx-rtmp process (default 10)
  --players N       RTMP players of the comparison phase (default: as many as targets)
  --seconds S       measurement window of each phase in seconds (default 30)
  --warmup S        seconds between the phase's start and its window (default 8)
  --runs N          rounds of the three phases (default 3)
  --quiet-wait S    before each phase, wait up to S seconds for the machine to be idle (default 60)
  --dead-minutes M  after the last round, kill targets (--kill) and follow memory for M minutes (default 5; 0: skip)
  --sample S        seconds between memory samples then (default 10)
  --kill N          targets killed then (default 1; 0: none, a control run to compare with)`;

const LOAD_MAIN = resolve('bench', 'load', 'main.ts');

function parseOptions(argv: string[]): PushOptions {
  const values = parseFlags(argv, {
    targets: { type: 'string', default: '10' },
    players: { type: 'string' },
    seconds: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '8' },
    runs: { type: 'string', default: '3' },
    'quiet-wait': { type: 'string', default: '60' },
    'dead-minutes': { type: 'string', default: '5' },
    sample: { type: 'string', default: '10' },
    kill: { type: 'string', default: '1' },
  }, USAGE);
  const targets = intArg('targets', values.targets, 1, 100, USAGE);
  return {
    targets,
    players: values.players ? intArg('players', values.players, 1, 1000, USAGE) : targets,
    seconds: intArg('seconds', values.seconds, 5, 600, USAGE),
    warmup: intArg('warmup', values.warmup, 2, 120, USAGE),
    runs: intArg('runs', values.runs, 1, 20, USAGE),
    quietWait: intArg('quiet-wait', values['quiet-wait'], 0, 600, USAGE),
    deadMinutes: intArg('dead-minutes', values['dead-minutes'], 0, 120, USAGE),
    sampleSeconds: intArg('sample', values.sample, 1, 600, USAGE),
    kill: intArg('kill', values.kill, 0, targets, USAGE),
  };
}

/** The bench's load process (publisher at real-time pace, and players): ready once all play. */
async function startLoad(sluice: RunningSluice, players: number, seconds: number, options: PushOptions, flvPath: string, dir: string): Promise<ChildProcess> {
  const config: LoadConfig = { port: sluice.port, app: 'live', stream: `push-${randomUUID().slice(0, 8)}`, players, batch: Math.max(1, players), flvPath, warmupSeconds: options.warmup, seconds };
  const logFile = join(dir, 'load.log');
  const load = startChild(process.execPath, ['--import', 'tsx', LOAD_MAIN, JSON.stringify(config)], logFile, true);
  await nextMessage<LoadMessage, 'ready'>(load, 'ready', (options.warmup + 40) * 1000).catch((err: Error) => {
    throw new Error(`${err.message}\n${logTail(logFile)}`, { cause: err });
  });
  return load;
}

interface PhaseContext {
  options: PushOptions;
  flvPath: string;
  mediaMbps: number;
  /** Set on the last round's targets phase: follow memory with one target killed. */
  followDead: boolean;
}

type Measured = Required<Omit<PhaseRun, 'phase' | 'run' | 'machineCpuBefore' | 'error'>> & { dead?: DeadTargetResult };

/** One phase: Sluice, the source, and players or targets or neither; measured over the window. */
async function measure(phase: Phase, ctx: PhaseContext, dir: string): Promise<Measured> {
  const { options } = ctx;
  const targets: RunningProcess[] = [];
  let sluice: RunningSluice | undefined;
  let load: ChildProcess | undefined;
  try {
    if (phase === 'targets') for (let i = 0; i < options.targets; i++) targets.push(await startTarget(dir, i));
    sluice = await startSluice(dir, targets.map((t) => t.port));
    const deadSeconds = ctx.followDead ? options.deadMinutes * 60 + options.sampleSeconds : 0;
    load = await startLoad(sluice, phase === 'players' ? options.players : 0, options.seconds + deadSeconds + 5, options, ctx.flvPath, dir);
    const before = phase === 'targets' ? await readPushes(sluice.apiPort) : [];
    const meter = new ServerWindow(sluice.pid);
    const loadCpu = new PidsCpuMonitor([load.pid ?? 0]);
    const targetsCpu = new PidsCpuMonitor(targets.map((t) => t.pid));
    for (const m of [meter, loadCpu, targetsCpu]) m.start();
    const result = phase === 'players' ? nextMessage<LoadMessage, 'result'>(load, 'result', (options.seconds + 30) * 1000) : undefined;
    load.send({ type: 'start' } satisfies StartMessage);
    await sleep(options.seconds * 1000);
    const { server: usage, machineCpuPercent, seconds } = meter.stop();
    const [loadCpuPercent, targetsCpuPercent] = [loadCpu.stop(), targetsCpu.stop()];
    let check: string;
    if (result) {
      const s = (await result).summary;
      check = `${s.playersAtFullRate} / ${options.players} players at >= 95 % of ${s.publishedKbps.toFixed(0)} kbit/s (lost ${s.playersLost})`;
    } else if (phase === 'targets') {
      const after = await readPushes(sluice.apiPort);
      const rates = pushMbps(before, after, seconds);
      const full = rates.filter((r) => r >= 0.95 * ctx.mediaMbps).length;
      check = `${after.filter((p) => p.state === 'live').length} / ${options.targets} pushes live, ${full} at >= 95 % of ${ctx.mediaMbps.toFixed(2)} Mbit/s (min ${Math.min(...rates).toFixed(2)})`;
    } else {
      check = 'publisher only';
    }
    const exit = sluice.exitStatus();
    if (exit !== undefined) throw new Error(`Sluice exited during the run (${exit})`);
    console.log(`  ${check}; Sluice CPU ${usage.cpuPercent.toFixed(1)} %`);
    const measured = { cpuPercent: usage.cpuPercent, cpuSystemPercent: usage.cpuSystemPercent, rssAvgMiB: usage.rssAvgMiB, loadCpuPercent, targetsCpuPercent, machineCpuPercent, check, config: sluice.config };
    if (!ctx.followDead) return measured;
    return { ...measured, dead: await followDeadTarget(sluice, targets, usage.rssAvgMiB, options) };
  } finally {
    if (load) await stopChild(load);
    await sluice?.stop();
    await Promise.all(targets.map((t) => t.stop()));
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  checkPrerequisites();
  const flvPath = ensureFixture('3mbps');
  const mediaMbps = await fixtureMediaMbps(flvPath);
  const { dir: workDir, cleanup } = benchWorkDir('sluice-bench-push-');
  const runs: PhaseRun[] = [];
  let dead: DeadTargetResult | undefined;
  try {
    for (const line of peerVersions(['nginx-notify'], undefined)) console.log(`targets: ${line}`);
    console.log(`push targets: a ${mediaMbps.toFixed(2)} Mbit/s source (${flvPath}) to ${options.targets} targets, against ${options.players} players; ${options.seconds} s windows, ${options.runs} runs`);
    const results = await inRounds(workDir, options.runs, PHASES, (phase, run, dir) => {
      const followDead = run === options.runs && phase === 'targets' && options.deadMinutes > 0;
      return measureCase<PhaseRun>(
        { label: `${phase} #${run}`, quietWait: options.quietWait, serverLog: join(dir, SERVER_LOG) },
        async ({ machineCpuBefore }) => {
          const { dead: d, ...measured } = await measure(phase, { options, flvPath, mediaMbps, followDead }, dir);
          if (run === 1 && phase === 'targets') console.log(measured.config.replace(/^/gm, '    '));
          dead = d ?? dead;
          return { phase, run, machineCpuBefore, ...measured };
        },
        ({ machineCpuBefore }, error) => ({ phase, run, machineCpuBefore, error }),
      );
    });
    runs.push(...results);
  } finally {
    await cleanup();
  }
  printResults(formatReport(runs, options, dead), () => saveResults(runs, dead, options), runs.some((r) => r.error));
}

runBench(main);
