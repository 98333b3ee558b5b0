// `npm run bench:hls-mux`: the HLS path in process, without sockets: the fan-out fixture's frames
// through the segmenter into files on disk, as fast as it goes. CPU per second of media and per
// Mbit/s, steadier on a shared machine than a whole server's CPU. See docs/BENCHMARKS.md.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config/schema.js';
import { flvTagToFrame, readFlvFile } from '../src/formats/flv/index.js';
import type { ClientSession } from '../src/gate/types.js';
import { HlsOutput } from '../src/hls/hls-output.js';
import { HlsSegmenter } from '../src/hls/segmenter.js';
import { EncodedFrame, type MediaFrame } from '../src/media/frame.js';
import { silentLogger } from '../src/util/logger.js';
import { intArg } from './args.js';
import { ensureFixture } from './fixture.js';
import { parseFlags } from './script.js';

const USAGE = `Usage: npm run bench:hls-mux -- [options]
  --streams N   streams muxed side by side (default 10)
  --passes P    times each stream runs through the 60 s fixture (default 3)
  --runs R      repetitions; the median is reported (default 5)`;

const values = parseFlags(process.argv.slice(2), {
  streams: { type: 'string', default: '10' },
  passes: { type: 'string', default: '3' },
  runs: { type: 'string', default: '5' },
}, USAGE);
const streams = intArg('streams', values.streams, 1, 500, USAGE);
const passes = intArg('passes', values.passes, 1, 100, USAGE);
const runs = intArg('runs', values.runs, 1, 50, USAGE);

const frames = (await readFlvFile(ensureFixture())).map(flvTagToFrame);
const fixtureMs = frames.at(-1)!.timestamp + 40;
const mediaBits = frames.reduce((sum, f) => sum + f.body.length * 8, 0);
const mbps = mediaBits / (fixtureMs / 1000) / 1e6;

const session = (stream: string): ClientSession =>
  ({ id: stream, vhost: '__defaultVhost__', app: 'live', stream, protocol: 'rtmp' }) as unknown as ClientSession;

/** Muxes every stream through `passes` copies of the fixture, frame by frame in turn; returns CPU ms. */
async function run(dir: string): Promise<{ cpuMs: number; wallMs: number }> {
  const hls = { enabled: true, hls_path: dir, hls_fragment: 2, hls_window: 10 };
  const config = parseConfig({ vhosts: { __defaultVhost__: { hls } } }).vhosts.__defaultVhost__!.hls;
  const events = { hlsSegment: () => {} };
  const logger = silentLogger();
  const pipes = Array.from({ length: streams }, (_, i) => {
    const output = new HlsOutput({ vhost: '__defaultVhost__', app: 'live', stream: `s${i}` }, config, events, logger);
    return { output, segmenter: new HlsSegmenter(config, session(`s${i}`), output, logger) };
  });
  const limits = { maxPendingBytes: Infinity, maxStallMs: Infinity };
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let pass = 0; pass < passes; pass++) {
    const offset = pass * fixtureMs;
    for (const frame of frames) {
      const shifted: MediaFrame = { ...frame, timestamp: frame.timestamp + offset };
      for (const { segmenter } of pipes) segmenter.enqueue(new EncodedFrame(shifted), limits, 0);
      // Each segment's writes finish before the next one closes, as on a live server (the queue
      // would drop segments that pile up).
      if (frame.keyframe) await Promise.all(pipes.map((p) => p.output.idle()));
    }
  }
  for (const { segmenter } of pipes) segmenter.close();
  await Promise.all(pipes.map((p) => p.output.idle()));
  const used = process.cpuUsage(cpu);
  return { cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - start };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mediaSeconds = (streams * passes * fixtureMs) / 1000;
console.log(`HLS mux: ${streams} streams x ${passes} x ${(fixtureMs / 1000).toFixed(0)} s of ${mbps.toFixed(2)} Mbit/s media, ${runs} runs`);
const perMediaSecond: number[] = [];
for (let i = 0; i < runs; i++) {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-hls-mux-'));
  try {
    const { cpuMs, wallMs } = await run(dir);
    perMediaSecond.push(cpuMs / mediaSeconds);
    console.log(`  run ${i + 1}: ${cpuMs.toFixed(0)} ms CPU (${wallMs.toFixed(0)} ms wall) = ${(cpuMs / mediaSeconds).toFixed(3)} ms per media second`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const ms = median(perMediaSecond);
// ms of CPU per second of media is also % of one core per live stream, divided by 10.
console.log(`median: ${ms.toFixed(3)} ms CPU per media second = ${(ms / 10).toFixed(3)} % of a core per live stream`);
console.log(`        ${(ms / mbps).toFixed(3)} ms CPU per media second per Mbit/s`);
