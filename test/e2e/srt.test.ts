import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeErrors, ffprobe, publishTestPattern, type RunningProcess } from '../support/ffmpeg.js';
import { startHealthyStream, type HealthyStream } from '../support/healthy.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let publisher: RunningProcess;
let healthy: HealthyStream;
let dir: string;

before(async () => {
  server = await startTestServer({
    srt_server: { enabled: true, listen: '127.0.0.1:0' },
    play_secret: { enabled: true, secret: 'letmein', apps: ['locked'] },
  });
  dir = await mkdtemp(join(tmpdir(), 'sluice-srt-'));
  publisher = publishTestPattern(server.rtmpUrl('live/cam'), 60, { size: '320x240' });
  await server.waitForLog((line) => line.msg === 'publish start' && line.stream === 'live/cam');
  healthy = await startHealthyStream(server);
});

after(async () => {
  await healthy.stop();
  await publisher.stop();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const srtUrl = (streamId: string): string => `srt://127.0.0.1:${server.srtPort}?streamid=${streamId}`;

/** Runs a client to its end; its stdout goes to `stdoutFile` when given. */
function run(command: string, args: string[], stdoutFile?: string): Promise<{ code: number | null; stderr: string }> {
  const out = stdoutFile ? openSync(stdoutFile, 'w') : 'ignore';
  const child = spawn(command, args, { stdio: ['ignore', out, 'pipe'] });
  if (typeof out === 'number') closeSync(out);
  let stderr = '';
  child.stderr.on('data', (data: Buffer) => (stderr = (stderr + data.toString()).slice(-8000)));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    }),
  );
}

test('ffmpeg and srt-live-transmit play an RTMP-published stream over SRT at the same time', async () => {
  const ffmpegFile = join(dir, 'ffmpeg.ts');
  const sltFile = join(dir, 'slt.ts');
  const [ffmpeg, slt] = await Promise.all([
    run('ffmpeg', ['-hide_banner', '-y', '-i', srtUrl('#!::r=live/cam,m=request'), '-t', '4', '-c', 'copy', '-f', 'mpegts', ffmpegFile]),
    // srt-live-transmit copies until its exit timer (-t, seconds); a plain stream id plays.
    run('srt-live-transmit', ['-t:5', '-q', srtUrl('live/cam'), 'file://con'], sltFile),
  ]);
  assert.equal(ffmpeg.code, 0, ffmpeg.stderr);
  const probe = await ffprobe(ffmpegFile);
  const video = probe.streams.find((s) => s.codec_type === 'video');
  const audio = probe.streams.find((s) => s.codec_type === 'audio');
  assert.equal(video?.codec_name, 'h264');
  assert.equal(video?.width, 320);
  assert.equal(audio?.codec_name, 'aac');
  assert.ok(Number(probe.format.duration) >= 3.5, `duration ${probe.format.duration}`);
  assert.equal(await decodeErrors(ffmpegFile), '');
  assert.equal(slt.code, 0, `srt-live-transmit: ${slt.stderr}`);
  const sltProbe = await ffprobe(sltFile);
  assert.deepEqual(sltProbe.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
  assert.ok(Number(sltProbe.format.duration) >= 2.5, `srt-live-transmit got ${sltProbe.format.duration} s`);
  assert.equal(await decodeErrors(sltFile), '');
  const ends = server.logs().filter((line) => line.msg === 'session end' && line.protocol === 'srt');
  assert.ok(ends.length >= 1);
  assert.ok(ends.every((line) => typeof line.rtt_ms === 'number' && typeof line.pkt_retrans === 'number'));
  await healthy.assertServing();
});
