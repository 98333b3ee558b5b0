// `npm run bench:soak`: the fan-out load (one publisher, N RTMP players) against one server for
// many minutes, sampling its memory and the players as it goes. See docs/BENCHMARKS.md, "Long run".
import type { ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { benchWorkDir, logTail, nextMessage } from './children.js';
import { ensureFixture } from './fixture.js';
import type { SoakMessage, SoakSampleRequest, StartMessage } from './load/protocol.js';
import { MachineMonitor, TreeMonitor, waitForQuiet } from './proc.js';
import { heapSnapshotOptions, readMemory, takeHeapSnapshot } from './soak-memory.js';
import { startLoad } from './run-case.js';
import { parseSoakArgs, type SoakOptions } from './soak-args.js';
import { printResults, runBench } from './script.js';
import { formatSoak, saveSoak, soakResultPath, soakVerdict, type SoakMinuteRow, type SoakRun, type SoakSampleRow } from './soak-report.js';
import { SERVER_LOG } from './launch.js';
import { startServer, type RunningServer, type ServerCase } from './servers.js';

const SOAK_MAIN = resolve('bench', 'load', 'soak.ts');
const REPLY_TIMEOUT_MS = 15_000;

function serverCase(options: SoakOptions, heapSnapshotDir: string | undefined): ServerCase {
  const nodeOptions = heapSnapshotDir ? heapSnapshotOptions(heapSnapshotDir) : undefined;
  if (options.server === 'nginx') return { kind: 'nginx', label: 'nginx-rtmp' };
  if (options.server === 'nms') return { kind: 'nms', label: 'node-media-server', nodeOptions };
  const mw = options.mw === undefined ? 'default' : String(options.mw);
  return { kind: 'sluice', label: `sluice mw=${mw}`, mwLatencyMs: options.mw, httpApi: true, nodeOptions };
}

/** Seconds into the run at which to sample: every `sample` seconds and at every whole minute. */
function sampleTimes(minutes: number, sample: number): number[] {
  const times = new Set<number>();
  for (let t = sample; t < minutes * 60; t += sample) times.add(t);
  for (let m = 1; m <= minutes; m++) times.add(m * 60);
  return [...times].sort((a, b) => a - b);
}

/** Asks the load process for a sample and waits for it. */
function askLoad(load: ChildProcess, closeMinute: boolean) {
  const reply = nextMessage<SoakMessage, 'sample'>(load, 'sample', REPLY_TIMEOUT_MS);
  load.send({ type: 'sample', closeMinute } satisfies SoakSampleRequest);
  return reply;
}

/** Samples until the end of the run, or until the server exits; fills `run.samples` and `run.minutes`. */
async function soak(run: SoakRun, server: RunningServer, load: ChildProcess): Promise<void> {
  const { options } = run;
  const monitors = () => ({ server: new TreeMonitor(server.pid), load: new TreeMonitor(load.pid ?? 0), machine: new MachineMonitor() });
  let minute = monitors();
  const startMinute = () => Object.values(minute).forEach((m) => m.start());
  startMinute();
  load.send({ type: 'start' } satisfies StartMessage);
  const t0 = performance.now();
  try {
    for (const t of sampleTimes(options.minutes, options.sample)) {
      await sleep(Math.max(0, t0 + t * 1000 - performance.now()));
      const closeMinute = t % 60 === 0;
      const players = await askLoad(load, closeMinute);
      const row: SoakSampleRow = {
        seconds: t,
        ...(await readMemory(server)),
        playersConnected: players.playersConnected,
        playersStalledNow: players.playersStalledNow,
        bytesReceived: players.bytesReceived,
      };
      run.samples.push(row);
      if (t === 60 && run.heapSnapshotDir) await takeHeapSnapshot(server.pid, run.heapSnapshotDir);
      if (closeMinute && players.minute) {
        const usage = { server: minute.server.stop(), load: minute.load.stop(), machineCpuPercent: minute.machine.stop() };
        minute = monitors();
        startMinute();
        const done: SoakMinuteRow = { minute: t / 60, ...usage, ...players.minute, rssMiB: row.rssMiB, heapUsedMiB: row.heapUsedMiB, externalMiB: row.externalMiB, playersConnected: row.playersConnected };
        run.minutes.push(done);
      }
      const heap = row.heapUsedMiB === undefined ? '' : `, heap ${row.heapUsedMiB.toFixed(1)} MiB`;
      console.log(`  ${t} s: RSS ${row.rssMiB.toFixed(1)} MiB${heap}, ${row.playersConnected} players connected, ${row.playersStalledNow} stalled`);
      const exit = server.exitStatus();
      if (exit !== undefined) throw new Error(`the server exited during the run (${exit})`);
    }
  } finally {
    // A monitor's timer would keep the bench alive after the run.
    minute.server.stop();
    minute.load.stop();
  }
  const result = nextMessage<SoakMessage, 'soak-result'>(load, 'soak-result', REPLY_TIMEOUT_MS);
  load.send({ type: 'finish' });
  const { publishedBytes, publishedFrames, players } = await result;
  run.published = { bytes: publishedBytes, frames: publishedFrames };
  run.players = players;
  // The last snapshot after the players' result: writing it pauses the server.
  if (run.heapSnapshotDir) await takeHeapSnapshot(server.pid, run.heapSnapshotDir);
}

async function main(): Promise<void> {
  const options = parseSoakArgs(process.argv.slice(2));
  const flvPath = ensureFixture();
  const { dir, cleanup } = benchWorkDir('sluice-soak-');
  const date = new Date().toISOString();
  const heapSnapshotDir = options.heapSnapshots ? resolve(soakResultPath(date, '-heap')) : undefined;
  const c = serverCase(options, heapSnapshotDir);
  const run: SoakRun = { date, label: c.label, options, heapSnapshotDir, samples: [], minutes: [], players: [] };
  try {
    run.machineCpuBefore = await waitForQuiet(options.quietWait);
    console.log(`soak: ${c.label}, ${options.players} players for ${options.minutes} min (machine CPU before: ${run.machineCpuBefore.toFixed(0)} % of one core)`);
    const server = await startServer(c, dir);
    const loadOptions = { ...options, seconds: options.minutes * 60 };
    const started = await startLoad(SOAK_MAIN, server, loadOptions, flvPath, join(dir, 'load.log'), () => {}); // the cleanup stops it
    run.connected = started.ready.connected;
    run.connectFailures = started.ready.failures;
    await soak(run, server, started.load);
  } catch (err) {
    run.error = err instanceof Error ? err.message : String(err);
    console.log(`FAILED: ${run.error}\n  server log ends:\n${logTail(join(dir, SERVER_LOG), 8)}`);
  } finally {
    await cleanup();
  }
  run.verdict = soakVerdict(run);
  printResults(formatSoak(run), () => saveSoak(run), !run.verdict.pass);
}

runBench(main);
