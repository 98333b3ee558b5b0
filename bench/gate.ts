// `npm run bench:gate`: N RTMP players arrive within about a second at a live stream, each gated
// by on_connect and on_play against one local receiver; first-media latency per server, Sluice
// against nginx-rtmp (notify) and SRS 7 (http_hooks). See docs/BENCHMARKS.md, "Gate under a burst".
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { intArg, serverList } from './args.js';
import { benchWorkDir, freePort, logTail, nextMessage, startChild, stopChild } from './children.js';
import { ensureFixture } from './fixture.js';
import { formatReport, saveResults, type GateRun } from './gate-report.js';
import { GATE_SERVER_LABELS, GATE_SERVER_NAMES, checkPrerequisites, peerVersions, startGateServer, type GateServerName, type RunningGateServer } from './gate-servers.js';
import { SERVER_LOG } from './launch.js';
import type { BurstConfig, BurstMessage, BurstSummary } from './load/protocol.js';
import { inRounds, measureCase } from './measure-case.js';
import { TreeMonitor } from './proc.js';
import { parseFlags, printResults, runBench } from './script.js';

interface Options {
  players: number;
  spreadMs: number;
  runs: number;
  quietWait: number;
  warmup: number;
  servers: GateServerName[];
  srs: string | undefined;
  baseline: string | undefined;
  workers: number;
}

const USAGE = `Usage: npm run bench:gate -- [options]
  --players N     players arriving in the burst (default 500)
  --spread MS     their starts are spread evenly over MS milliseconds (default 1000)
  --runs N        rounds over all servers (default 3)
  --quiet-wait S  before each burst, wait up to S seconds for the machine to be idle (default 60)
  --warmup N      before the measured burst, N players (gated alike) warm the same server up:
                  the burst then meets compiled code, as on a server that has run a while (default 0)
  --servers LIST  any of ${GATE_SERVER_NAMES.join(',')} (default all that can run)
  --srs PATH      an SRS 7 binary (objs/srs), run with a generated config
  --baseline PATH another Sluice build's dist/cli.js: adds baseline-hooks, to compare a change
  --workers N     Sluice's \`workers\` (default 1: one process, as SRS)`;

const BURST_LOAD = resolve('bench', 'load', 'burst.ts');
type ReceiverMessage = { type: 'listening' } | { type: 'counts'; counts: Record<string, number>; connections: number } | { type: 'error'; message: string };

function parseOptions(argv: string[]): Options {
  const values = parseFlags(argv, {
    players: { type: 'string', default: '500' },
    spread: { type: 'string', default: '1000' },
    runs: { type: 'string', default: '3' },
    'quiet-wait': { type: 'string', default: '60' },
    warmup: { type: 'string', default: '0' },
    servers: { type: 'string' },
    srs: { type: 'string' },
    baseline: { type: 'string' },
    workers: { type: 'string', default: '1' },
  }, USAGE);
  const all = GATE_SERVER_NAMES.filter((n) => (n !== 'srs-hooks' || values.srs) && (n !== 'baseline-hooks' || values.baseline));
  return {
    players: intArg('players', values.players, 1, 5000, USAGE),
    spreadMs: intArg('spread', values.spread, 0, 60_000, USAGE),
    runs: intArg('runs', values.runs, 1, 20, USAGE),
    quietWait: intArg('quiet-wait', values['quiet-wait'], 0, 600, USAGE),
    warmup: intArg('warmup', values.warmup, 0, 5000, USAGE),
    servers: values.servers ? serverList(values.servers, GATE_SERVER_NAMES, USAGE) : [...all],
    srs: values.srs ? resolve(values.srs) : undefined,
    baseline: values.baseline ? resolve(values.baseline) : undefined,
    workers: intArg('workers', values.workers, 1, 64, USAGE),
  };
}

async function receiverCounts(receiver: ChildProcess): Promise<{ calls: Record<string, number>; connections: number }> {
  const answer = nextMessage<ReceiverMessage, 'counts'>(receiver, 'counts', 5000);
  receiver.send({ type: 'counts' });
  const { counts, connections } = await answer;
  return { calls: counts, connections };
}

/** What every burst shares: the options, the callback receiver and the stream. */
interface Bench {
  options: Options;
  receiver: ChildProcess;
  receiverUrl: string;
  flvPath: string;
}

/** One burst against one server in `dir`: start it, run the load process, read the receiver's counts. */
async function burst({ options, receiver, receiverUrl, flvPath }: Bench, name: GateServerName, run: number, dir: string, machineCpuBefore: number): Promise<GateRun> {
  let server: RunningGateServer | undefined;
  let load: ChildProcess | undefined;
  try {
    server = await startGateServer(name, dir, receiverUrl, options, options.workers);
    if (run === 1) console.log(server.config.replace(/^/gm, '    '));
    const logFile = join(dir, 'load.log');
    const runLoad = async (players: number): Promise<BurstSummary> => {
      const config: BurstConfig = { port: server!.port, app: 'live', stream: `gate-${randomUUID().slice(0, 8)}`, flvPath, players, spreadMs: options.spreadMs };
      load = startChild(process.execPath, ['--import', 'tsx', BURST_LOAD, JSON.stringify(config)], logFile, true);
      const { summary } = await nextMessage<BurstMessage, 'result'>(load, 'result', options.spreadMs + 60_000).catch((err: Error) => {
        throw new Error(`${err.message}\n${logTail(logFile)}`, { cause: err });
      });
      return summary;
    };
    if (options.warmup > 0) {
      await runLoad(options.warmup);
      await stopChild(load!);
      await sleep(1000); // the warm-up players' ends are handled before the measure starts
    }
    receiver.send({ type: 'reset' });
    const cpu = new TreeMonitor(server.pid);
    const began = performance.now();
    cpu.start();
    const summary = await runLoad(options.players);
    const serverCpuMs = (cpu.stop().cpuPercent / 100) * (performance.now() - began);
    const exit = server.exitStatus();
    if (exit !== undefined) throw new Error(`the server exited during the run (${exit})`);
    return { server: name, run, machineCpuBefore, summary, serverCpuMs, ...(await receiverCounts(receiver)) };
  } finally {
    if (load) await stopChild(load);
    await server?.stop();
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  checkPrerequisites(options.servers, options.srs, options.baseline);
  const flvPath = ensureFixture();
  const { dir: workDir, cleanup } = benchWorkDir('sluice-gate-bench-');
  const peers = peerVersions(options.servers, options.srs);
  if (options.servers.includes('baseline-hooks')) peers.push(`baseline: ${options.baseline}`);
  const runs: GateRun[] = [];
  try {
    const port = await freePort();
    const receiver = startChild(process.execPath, ['--import', 'tsx', resolve('bench', 'gate-receiver.ts'), String(port)], join(workDir, 'receiver.log'), true);
    await nextMessage<ReceiverMessage, 'listening'>(receiver, 'listening', 15_000);
    const bench: Bench = { options, receiver, receiverUrl: `http://127.0.0.1:${port}`, flvPath };
    const { receiverUrl } = bench;
    console.log(`gate burst: ${options.players} players within ${options.spreadMs} ms, ${options.runs} runs; receiver ${receiverUrl}`);
    for (const line of peers) console.log(line);
    const results = await inRounds(workDir, options.runs, options.servers, (name, run, dir) =>
      measureCase<GateRun>(
        { label: `${GATE_SERVER_LABELS[name]} #${run}`, quietWait: options.quietWait, serverLog: join(dir, SERVER_LOG) },
        ({ machineCpuBefore }) => burst(bench, name, run, dir, machineCpuBefore),
        ({ machineCpuBefore }, error) => ({ server: name, run, machineCpuBefore, error }),
      ));
    runs.push(...results);
  } finally {
    await cleanup();
  }
  printResults(formatReport(runs), () => saveResults(runs, options, peers), runs.some((r) => r.error));
}

runBench(main);
