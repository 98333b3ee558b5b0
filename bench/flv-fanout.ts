// `npm run bench:flv`: one publisher, N HTTP-FLV players, the same load against Sluice and SRS 7
// (and another Sluice build with --baseline) at the same merged-write windows. See
// docs/BENCHMARKS.md, "HTTP-FLV fan-out".
import { join, resolve } from 'node:path';
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChildProcess } from 'node:child_process';
import { readFlvFile, type FlvTag } from '../src/formats/flv/index.js';
import { intArg } from './args.js';
import { benchWorkDir, freePort, nextMessage, startChild, stopChild } from './children.js';
import { ensureFixture } from './fixture.js';
import { launch, requireFile, requireSluice, SERVER_LOG, SLUICE_CLI, srsConfig, versionOf, type Launched } from './launch.js';
import type { FlvPlayersMessage } from './load/flv-players.js';
import { Publisher } from './load/publisher.js';
import { MeasureWindow } from './load/window.js';
import { inRounds, measureCase } from './measure-case.js';
import { ServerWindow } from './proc.js';
import { parseFlags, printResults, runBench } from './script.js';
import { f0, f1, markdown, median, ratio, saveResults } from './table.js';

const USAGE = `Usage: npm run bench:flv -- [options]
  --players N     HTTP-FLV players per server (default 1000)
  --seconds S     measurement window in seconds (default 20)
  --warmup S      seconds between the last player joining and the window (default 5)
  --mw LIST       merged-write windows in ms, each server at each (default 20,350)
  --runs N        rounds of all cases (default 1)
  --quiet-wait S  before each case, wait up to S seconds for the machine to be idle (default 60)
  --srs PATH      SRS 7's objs/srs (its case is left out without it)
  --baseline DIR  also run the Sluice built in DIR (its dist/cli.js)`;

type ServerName = 'sluice' | 'baseline' | 'srs';
const PLAYERS_LOAD = resolve('bench', 'load', 'flv-players.ts');
const CONNECT_BATCH = 50;

interface Options {
  players: number;
  seconds: number;
  warmup: number;
  mw: number[];
  runs: number;
  quietWait: number;
  srs: string | undefined;
  baseline: string | undefined;
}

interface FlvResult {
  server: ServerName;
  mw: number;
  run: number;
  machineCpuBefore: number;
  playersOk?: number;
  playersFailed?: number;
  playersLost?: number;
  cpuPercent?: number;
  cpuSystemPercent?: number;
  rssAvgMiB?: number;
  /** What the players read over the window, kbit/s each (FLV bytes, HTTP chunking included). */
  playerKbpsMin?: number;
  playerKbpsMedian?: number;
  publishedKbps?: number;
  error?: string;
}

function parseOptions(argv: string[]): Options {
  const values = parseFlags(argv, {
    players: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '5' },
    mw: { type: 'string', default: '20,350' },
    runs: { type: 'string', default: '1' },
    'quiet-wait': { type: 'string', default: '60' },
    srs: { type: 'string' },
    baseline: { type: 'string' },
  }, USAGE);
  return {
    players: intArg('players', values.players, 1, 5000, USAGE),
    seconds: intArg('seconds', values.seconds, 2, 600, USAGE),
    warmup: intArg('warmup', values.warmup, 0, 120, USAGE),
    mw: values.mw.split(',').map((v) => intArg('mw', v.trim(), 0, 1000, USAGE)),
    runs: intArg('runs', values.runs, 1, 20, USAGE),
    quietWait: intArg('quiet-wait', values['quiet-wait'], 0, 600, USAGE),
    srs: values.srs,
    baseline: values.baseline,
  };
}

/** Starts the server with RTMP in and HTTP-FLV out at `/live/s.flv`, merged writes of `mw` ms. */
async function startServer(name: ServerName, mw: number, o: Options, dir: string): Promise<Launched & { rtmpPort: number; httpPort: number }> {
  const [rtmpPort, httpPort] = [await freePort(), await freePort()];
  const configFile = join(dir, name === 'srs' ? 'srs.conf' : 'sluice.conf');
  const lines = [
    `http_server { enabled on; listen 127.0.0.1:${httpPort}; dir ${dir}; }`,
    'http_api { enabled off; }',
    `vhost __defaultVhost__ { http_remux { enabled on; mount [vhost]/[app]/[stream].flv; } play { mw_latency ${mw}; } }`,
  ];
  if (name === 'srs') writeFileSync(configFile, srsConfig(dir, rtmpPort, lines));
  else writeFileSync(configFile, [`listen 127.0.0.1:${rtmpPort};`, 'max_connections 10000;', 'workers 1;', ...lines, ''].join('\n'));
  const command = name === 'srs' ? o.srs! : name === 'baseline' ? join(o.baseline!, 'dist', 'cli.js') : SLUICE_CLI;
  const launched = await launch({ label: name, command, args: ['-c', configFile], dir, ports: [rtmpPort, httpPort], configFile });
  return { ...launched, rtmpPort, httpPort };
}

async function measure(name: ServerName, mw: number, run: number, o: Options, tags: readonly FlvTag[], dir: string, machineCpuBefore: number): Promise<FlvResult> {
  const server = await startServer(name, mw, o, dir);
  const window = new MeasureWindow();
  const publisher = new Publisher(server.rtmpPort, tags, window);
  let players: ChildProcess | undefined;
  try {
    await publisher.start('live', 's');
    await sleep(1000); // the stream's headers have come: players start with it
    players = startChild(process.execPath, ['--import', 'tsx', PLAYERS_LOAD, String(server.httpPort), '/live/s.flv', String(o.players), String(CONNECT_BATCH)], join(dir, 'players.log'), true);
    const ready = await nextMessage<FlvPlayersMessage, 'ready'>(players, 'ready', 120_000);
    console.log(`  ${ready.connected} players playing${ready.failed ? `, ${ready.failed} failed (${ready.firstError})` : ''}; measuring for ${o.seconds} s`);
    await sleep(o.warmup * 1000);
    players.send({ type: 'mark' });
    window.open(performance.now(), o.seconds, 0);
    const meter = new ServerWindow(server.pid);
    meter.start();
    await sleep(o.seconds * 1000);
    const { server: usage } = meter.stop();
    const reported = nextMessage<FlvPlayersMessage, 'report'>(players, 'report', 10_000);
    players.send({ type: 'report' });
    const report = await reported;
    const exit = server.exitStatus();
    if (exit !== undefined) throw new Error(`the server exited during the run (${exit})`);
    const kbps = report.bytes.map((bytes) => (bytes * 8) / 1000 / report.seconds);
    return {
      server: name, mw, run, machineCpuBefore,
      playersOk: ready.connected, playersFailed: ready.failed, playersLost: report.closed,
      cpuPercent: usage.cpuPercent, cpuSystemPercent: usage.cpuSystemPercent, rssAvgMiB: usage.rssAvgMiB,
      playerKbpsMin: Math.min(...kbps), playerKbpsMedian: median(kbps),
      publishedKbps: (publisher.bytesInWindow * 8) / 1000 / o.seconds,
    };
  } finally {
    publisher.stop();
    if (players) await stopChild(players);
    await server.stop();
  }
}

function report(results: FlvResult[], o: Options): string {
  const cases = [...new Set(results.map((r) => `${r.server} mw=${r.mw}`))];
  const rows = [['server', 'players ok / failed / lost', 'CPU % of 1 core (sys), median', 'runs', 'RSS avg MiB', 'player kbit/s min / median (published)', 'CPU / srs same mw']];
  const cpuOf = (label: string) => median(results.filter((r) => `${r.server} mw=${r.mw}` === label && !r.error).map((r) => r.cpuPercent!));
  for (const label of cases) {
    const runs = results.filter((r) => `${r.server} mw=${r.mw}` === label);
    const ok = runs.filter((r) => !r.error);
    const last = ok.at(-1);
    const mw = label.split('mw=')[1];
    rows.push([
      label,
      last ? `${last.playersOk} / ${last.playersFailed} / ${last.playersLost}` : `failed: ${runs[0]?.error}`,
      ok.length ? `${f1(cpuOf(label))} (${f1(median(ok.map((r) => r.cpuSystemPercent!)))})` : '-',
      ok.map((r) => f1(r.cpuPercent)).join(', '),
      f0(median(ok.map((r) => r.rssAvgMiB!))),
      last ? `${f0(last.playerKbpsMin)} / ${f0(last.playerKbpsMedian)} (${f0(last.publishedKbps)})` : '-',
      label.startsWith('srs') ? '' : ratio(cpuOf(label), cpuOf(`srs mw=${mw}`)),
    ]);
  }
  return `HTTP-FLV fan-out: ${o.players} players, ${o.seconds} s window\n\n${markdown(rows)}`;
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  requireSluice();
  if (o.baseline) requireSluice(join(o.baseline, 'dist', 'cli.js'));
  if (o.srs) {
    requireFile(o.srs, `--srs ${o.srs}: not found`);
    console.log(`SRS: ${versionOf(o.srs, ['-v'])}`);
  }
  const names: ServerName[] = ['sluice', ...(o.baseline ? ['baseline' as const] : []), ...(o.srs ? ['srs' as const] : [])];
  const cases = o.mw.flatMap((mw) => names.map((name) => `${name}@${mw}`));
  const tags = await readFlvFile(ensureFixture());
  const { dir: workDir, cleanup } = benchWorkDir('sluice-bench-flv-');
  let results: FlvResult[] = [];
  try {
    results = await inRounds(workDir, o.runs, cases, (c, run, dir) => {
      const [name, mw] = c.split('@') as [ServerName, string];
      return measureCase<FlvResult>(
        { label: `${name} mw=${mw}`, quietWait: o.quietWait, serverLog: join(dir, SERVER_LOG) },
        ({ machineCpuBefore }) => measure(name, Number(mw), run, o, tags, dir, machineCpuBefore),
        ({ machineCpuBefore }, error) => ({ server: name, mw: Number(mw), run, machineCpuBefore, error }),
      );
    });
  } finally {
    await cleanup();
  }
  printResults(report(results, o), () => saveResults('flv-fanout', { options: o, results }), results.some((r) => r.error));
}

runBench(main);
