// The published media, made once with ffmpeg and cached: 60 s FLVs of H.264 + AAC at real-time
// pace, at ~1 Mbps (fan-out, gate and HLS benches) or ~3 Mbps (ingest and push-target benches).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readFlvFile } from '../src/formats/flv/index.js';
import { MessageType } from '../src/protocols/rtmp/index.js';

const CACHE_DIR = join('node_modules', '.cache', 'sluice-bench');

export type FixtureName = '1mbps' | '1mbps-baseline' | '3mbps';

/** Per fixture: its file name, the video source, and the rates. */
const FIXTURES: Record<FixtureName, { file: string; input: string[]; rates: string[] }> = {
  '1mbps': {
    file: 'fanout-640x360-25fps-gop2s-900k-aac64k-60s.flv',
    input: ['-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25'],
    rates: ['-b:v', '900k', '-maxrate', '900k', '-bufsize', '900k', '-b:a', '64k'],
  },
  // H.264 Baseline (no B-frames): what WebRTC players decode as sent.
  '1mbps-baseline': {
    file: 'fanout-640x360-25fps-gop2s-900k-aac64k-60s-baseline.flv',
    input: ['-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25'],
    rates: ['-profile:v', 'baseline', '-b:v', '900k', '-maxrate', '900k', '-bufsize', '900k', '-b:a', '64k'],
  },
  // Light noise keeps the encoder at its rate: testsrc2 alone compresses far below 3 Mbps.
  '3mbps': {
    file: 'ingest-1280x720-25fps-gop2s-2850k-aac128k-60s.flv',
    input: ['-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=25'],
    rates: ['-vf', 'noise=alls=12:allf=t', '-b:v', '2850k', '-maxrate', '2850k', '-bufsize', '2850k', '-b:a', '128k'],
  },
};

function ffmpegArgs(name: FixtureName): string[] {
  const { input, rates } = FIXTURES[name];
  return [
    '-hide_banner', '-loglevel', 'error', '-y',
    ...input,
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
    '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p',
    '-g', '50', '-keyint_min', '50', '-sc_threshold', '0',
    '-c:a', 'aac', '-ac', '2',
    ...rates,
    '-t', '60', '-f', 'flv',
  ];
}

/** Returns the path of the cached fixture, making it first if needed. */
export function ensureFixture(name: FixtureName = '1mbps'): string {
  const path = join(CACHE_DIR, FIXTURES[name].file);
  if (existsSync(path)) return path;
  mkdirSync(CACHE_DIR, { recursive: true });
  const partial = `${path}.partial`;
  console.log(`making the test stream ${path} with ffmpeg...`);
  const run = spawnSync('ffmpeg', [...ffmpegArgs(name), partial], { stdio: 'inherit', timeout: 600_000 });
  if (run.status !== 0) {
    rmSync(partial, { force: true });
    throw new Error(`ffmpeg failed to make the test stream (status ${run.status}, ${run.error?.message ?? 'no error'})`);
  }
  renameSync(partial, path);
  return path;
}

/** The fixture's audio + video payload rate in Mbit/s: what one publisher ingests, in any protocol. */
export async function fixtureMediaMbps(path: string): Promise<number> {
  const tags = await readFlvFile(path);
  const bytes = tags.filter((t) => t.type === MessageType.Audio || t.type === MessageType.Video).reduce((sum, t) => sum + t.body.length, 0);
  const seconds = (tags.at(-1)!.timestamp + 40) / 1000; // the publisher loops 40 ms after the last tag
  return (bytes * 8) / seconds / 1e6;
}

/** ffmpeg's version line and the libsrt it uses (Debian's package), for the reports. */
export function ffmpegVersion(): string {
  const line = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 }).stdout?.split('\n')[0]?.trim() ?? '?';
  const srt = line('dpkg-query', ['-W', '-f', '${Package} ${Version}\\n', 'libsrt1.5-gnutls', 'libsrt1.5-openssl']);
  return `ffmpeg: ${line('ffmpeg', ['-version']).replace(/ Copyright.*/, '')}; ${srt || 'libsrt: not from dpkg'}`;
}
