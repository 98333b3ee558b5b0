import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeErrors, ffprobe, playToFile, publishTestPattern, type ProbeResult, type RunningProcess } from '../support/ffmpeg.js';
import { startHealthyStream, type HealthyStream } from '../support/healthy.js';
import { TestRtspClient } from '../support/rtsp-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let publisher: RunningProcess;
let healthy: HealthyStream;
let dir: string;

before(async () => {
  server = await startTestServer({
    rtsp_server: { enabled: true, listen: '127.0.0.1:0', rtp_port: 0, max_request_bytes: 4096 },
    publish_secret: { enabled: true, secret: 'letmein', apps: ['locked'] },
    play_secret: { enabled: true, secret: 'letmein', apps: ['locked'] },
  });
  dir = await mkdtemp(join(tmpdir(), 'sluice-rtsp-'));
  publisher = publishTestPattern(server.rtmpUrl('live/cam'), 120);
  await server.waitForLog((line) => line.msg === 'publish start' && line.stream === 'live/cam');
  healthy = await startHealthyStream(server);
});

after(async () => {
  await healthy.stop();
  await publisher.stop();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const rtspUrl = (path: string): string => `rtsp://127.0.0.1:${server.rtspPort}/${path}`;

/** Runs ffmpeg to its end. */
function ffmpeg(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
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

/** Start times of the first video and audio packets, in seconds. */
function startGap(probe: ProbeResult & { streams: Array<{ start_time?: string }> }): number {
  const video = probe.streams.find((s) => s.codec_type === 'video');
  const audio = probe.streams.find((s) => s.codec_type === 'audio');
  return Math.abs(Number(video?.start_time) - Number(audio?.start_time));
}

async function assertCleanAv(file: string, minSeconds: number): Promise<void> {
  const probe = await ffprobe(file);
  assert.deepEqual(probe.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
  assert.ok(Number(probe.format.duration) >= minSeconds, `duration ${probe.format.duration}`);
  assert.ok(startGap(probe) < 0.1, `audio and video start ${startGap(probe)} s apart`);
  assert.equal(await decodeErrors(file), '');
}

for (const transport of ['tcp', 'udp']) {
  test(`ffmpeg plays an RTMP-published stream over RTSP/${transport}`, async () => {
    const file = join(dir, `play-${transport}.mkv`);
    const run = await ffmpeg(['-rtsp_transport', transport, '-i', rtspUrl('live/cam'), '-t', '3', '-c', 'copy', '-y', file]);
    assert.equal(run.code, 0, run.stderr);
    await assertCleanAv(file, 2.5);
    const end = await server.waitForLog((line) => line.msg === 'session end' && line.protocol === 'rtsp' && line.reason === 'teardown');
    assert.ok(Number(end.sent) > 50_000, `sent ${end.sent}`);
    await healthy.assertServing();
  });

  test(`ffmpeg publishes over RTSP/${transport}; RTMP and HTTP-FLV play it clean`, async () => {
    const name = `pub-${transport}`;
    const rtmpFile = join(dir, `${name}.flv`);
    const httpFile = join(dir, `${name}-http.flv`);
    // A player waiting before the publisher gets its stream from the first frame.
    const rtmpPlayer = playToFile(server.rtmpUrl(`live/${name}`), 3, rtmpFile);
    const rtsp = ffmpeg([
      '-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
      '-t', '6', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '25', '-pix_fmt', 'yuv420p',
      '-c:a', 'aac', '-b:a', '64k', '-f', 'rtsp', '-rtsp_transport', transport, rtspUrl(`live/${name}`),
    ]);
    const start = await server.waitForLog((line) => line.msg === 'publish start' && line.stream === `live/${name}`);
    assert.equal(start.transport, transport);
    const httpPlayer = playToFile(server.httpUrl(`live/${name}.flv`), 3, httpFile);
    assert.equal(await rtmpPlayer.exited, 0, rtmpPlayer.stderr());
    assert.equal(await httpPlayer.exited, 0, httpPlayer.stderr());
    await assertCleanAv(rtmpFile, 2.5);
    const probe = await ffprobe(httpFile);
    assert.deepEqual(probe.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
    assert.equal(await decodeErrors(httpFile), '');
    const result = await rtsp;
    assert.equal(result.code, 0, result.stderr);
    await server.waitForLog((line) => line.msg === 'session end' && line.stream === `live/${name}` && line.protocol === 'rtsp');
  });
}
