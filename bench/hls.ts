// `npm run bench:hls`: N streams published at once, no players; the server's CPU per HLS stream,
// Sluice against nginx-rtmp. See docs/BENCHMARKS.md, "HLS: CPU per stream".
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readFlvFile, type FlvTag } from '../src/formats/flv/index.js';
import { intArg, serverList } from './args.js';
import { benchWorkDir } from './children.js';
import { ensureFixture } from './fixture.js';
import { PlaylistWatcher } from './hls-playlists.js';
import { formatReport, saveResults, type HlsResult } from './hls-report.js';
import { HLS_SERVER_LABELS, HLS_SERVER_NAMES, checkPrerequisites, startHlsServer, type HlsServerName } from './hls-servers.js';
import { SERVER_LOG } from './launch.js';
import { Publisher } from './load/publisher.js';
import { MeasureWindow } from './load/window.js';
import { measureCase } from './measure-case.js';
import { ServerWindow } from './proc.js';
import { parseFlags, printResults, runBench } from './script.js';

interface Options {
  streams: number;
  seconds: number;
  warmup: number;
  servers: HlsServerName[];
  /** Sluice's `mr_latency`; 0: merged read off. */
  mergedReadMs: number;
}

const USAGE = `Usage: npm run bench:hls -- [options]
  --streams N     streams published at once to each server (default 10)
  --seconds S     measurement window in seconds (default 20)
  --warmup S      seconds between the last publish and the window (default 6)
  --servers LIST  any of sluice,nginx (default both)
  --mr MS         Sluice reads its publishers merged: publish { mr on; mr_latency MS; } (default 0: off,
                  as SRS; nginx-rtmp has no merged read)`;

/** How long to wait for the machine to be idle before each server, seconds. */
const QUIET_WAIT_SECONDS = 60;

function parseOptions(argv: string[]): Options {
  const values = parseFlags(argv, {
    streams: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '6' },
    servers: { type: 'string', default: HLS_SERVER_NAMES.join(',') },
    mr: { type: 'string', default: '0' },
  }, USAGE);
  const servers = serverList(values.servers, HLS_SERVER_NAMES, USAGE);
  return {
    streams: intArg('streams', values.streams, 1, 500, USAGE),
    seconds: intArg('seconds', values.seconds, 4, 600, USAGE),
    warmup: intArg('warmup', values.warmup, 0, 120, USAGE),
    servers,
    mergedReadMs: intArg('mr', values.mr, 0, 5000, USAGE),
  };
}

function serverLabel(name: HlsServerName, options: Options): string {
  return name === 'sluice' && options.mergedReadMs ? `sluice mr ${options.mergedReadMs}` : HLS_SERVER_LABELS[name];
}

/** Starts one server, publishes to it, measures it over the window; stops everything it started. */
async function measure(name: HlsServerName, options: Options, tags: readonly FlvTag[], dir: string): Promise<Omit<HlsResult, 'machineCpuBefore'>> {
  const label = serverLabel(name, options);
  const server = await startHlsServer(name, dir, options.mergedReadMs);
  const streams = Array.from({ length: options.streams }, (_, i) => `stream${i}`);
  // The publishers' window is never opened: their per-frame figures are for the fan-out bench.
  const publishers = streams.map(() => new Publisher(server.port, tags, new MeasureWindow()));
  try {
    await Promise.all(publishers.map((p, i) => p.start('live', streams[i]!)));
    console.log(`  ${streams.length} streams publishing; warming up for ${options.warmup} s`);
    await sleep(options.warmup * 1000);
    const watcher = new PlaylistWatcher(new Map(streams.map((s) => [s, server.playlistPath(s)])));
    const silent = watcher.streamsWithoutSegments();
    if (silent.length) throw new Error(`no HLS segment after the warm-up for ${silent.length} streams (${silent.slice(0, 3).join(', ')})`);

    watcher.mark();
    const meter = new ServerWindow(server.pid);
    meter.start();
    const start = performance.now();
    for (let s = 1; s <= options.seconds; s++) {
      await sleep(Math.max(0, start + s * 1000 - performance.now()));
      watcher.poll();
    }
    const { server: usage, machineCpuPercent, benchCpuPercent } = meter.stop();

    const exit = server.exitStatus();
    if (exit !== undefined) throw new Error(`the server exited during the run (${exit})`);
    const closed = publishers.filter((p) => p.isClosed).length;
    if (closed) throw new Error(`the server closed ${closed} publishers`);
    const result = watcher.result();
    const idle = result.filter((s) => s.segments === 0);
    if (idle.length) throw new Error(`${idle.length} streams produced no segment in the window (${idle.slice(0, 3).map((s) => s.stream).join(', ')})`);
    return {
      server: name,
      label,
      cpuPercent: usage.cpuPercent,
      cpuPercentPerStream: usage.cpuPercent / streams.length,
      rssAvgMiB: usage.rssAvgMiB,
      rssPeakMiB: usage.rssPeakMiB,
      publishersCpuPercent: benchCpuPercent,
      machineCpuPercent,
      streams: result,
    };
  } finally {
    for (const p of publishers) p.stop();
    await server.stop();
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  checkPrerequisites(options.servers);
  const tags = await readFlvFile(ensureFixture());
  const { dir: workDir, cleanup } = benchWorkDir('sluice-bench-hls-');

  const results: HlsResult[] = [];
  try {
    console.log(`HLS: ${options.streams} streams, ${options.seconds} s window, ${options.warmup} s warm-up; Sluice's merged read ${options.mergedReadMs ? `${options.mergedReadMs} ms` : 'off'}`);
    for (const name of options.servers) {
      const dir = join(workDir, name);
      mkdirSync(dir);
      const label = serverLabel(name, options);
      const result = await measureCase<HlsResult>(
        { label, quietWait: QUIET_WAIT_SECONDS, serverLog: join(dir, SERVER_LOG) },
        async ({ machineCpuBefore }) => ({ ...(await measure(name, options, tags, dir)), machineCpuBefore }),
        ({ machineCpuBefore }, error) => ({ server: name, label, machineCpuBefore, error }),
      );
      results.push(result);
    }
  } finally {
    await cleanup();
  }
  printResults(formatReport(results, options.seconds), () => saveResults(results, options), results.some((r) => r.error));
}

runBench(main);
