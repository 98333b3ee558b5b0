// The published media: a 60 s FLV of ~1 Mbps H.264 + AAC, made once with ffmpeg and cached.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const CACHE_DIR = join('node_modules', '.cache', 'sluice-bench');
const FILE_NAME = 'fanout-640x360-25fps-gop2s-900k-aac64k-60s.flv';

const FFMPEG_ARGS = [
  '-hide_banner', '-loglevel', 'error', '-y',
  '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25',
  '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
  '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p',
  '-b:v', '900k', '-maxrate', '900k', '-bufsize', '900k',
  '-g', '50', '-keyint_min', '50', '-sc_threshold', '0',
  '-c:a', 'aac', '-b:a', '64k', '-ac', '2',
  '-t', '60', '-f', 'flv',
];

/**
 * Returns the path of the cached fixture, making it first if needed. `baseline`: H.264 Baseline
 * profile (no B-frames), what WebRTC players decode as sent.
 */
export function ensureFixture(baseline = false): string {
  const path = join(CACHE_DIR, baseline ? FILE_NAME.replace('.flv', '-baseline.flv') : FILE_NAME);
  if (existsSync(path)) return path;
  mkdirSync(CACHE_DIR, { recursive: true });
  const partial = `${path}.partial`;
  console.log(`making the test stream ${path} with ffmpeg...`);
  const profile = baseline ? ['-profile:v', 'baseline'] : [];
  const run = spawnSync('ffmpeg', [...FFMPEG_ARGS, ...profile, partial], { stdio: 'inherit', timeout: 180_000 });
  if (run.status !== 0) {
    rmSync(partial, { force: true });
    throw new Error(`ffmpeg failed to make the test stream (status ${run.status}, ${run.error?.message ?? 'no error'})`);
  }
  renameSync(partial, path);
  return path;
}
