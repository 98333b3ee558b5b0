import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { startHealthyStream, type HealthyStream } from '../support/healthy.js';
import { startTestServer, type TestServer } from '../support/server.js';

// FLV header flags: audio 0x04, video 0x01. Players wait for every track the header announces.
const AUDIO = 0x04;
const VIDEO = 0x01;
const run = promisify(execFile);

let server: TestServer;
let healthy: HealthyStream;
const publishers: Array<ReturnType<typeof spawn>> = [];

before(async () => {
  server = await startTestServer();
  healthy = await startHealthyStream(server);
});

after(async () => {
  for (const p of publishers) p.kill('SIGKILL');
  await healthy.stop();
  await server.close();
});

/** Publishes only audio or only video with real ffmpeg. */
function publishOnly(track: 'audio' | 'video', name: string): void {
  const input = track === 'audio'
    ? ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100', '-c:a', 'aac', '-b:a', '64k']
    : ['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '25', '-pix_fmt', 'yuv420p'];
  const child = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', ...input, '-t', '120', '-f', 'flv', server.rtmpUrl(`live/${name}`)], { stdio: 'ignore' });
  publishers.push(child);
}

/** The first 13 bytes of an HTTP-FLV response: the FLV file header. */
async function flvHeader(path: string): Promise<Buffer> {
  const controller = new AbortController();
  const response = await fetch(server.httpUrl(path), { signal: controller.signal });
  assert.equal(response.status, 200);
  const reader = response.body!.getReader();
  let bytes = Buffer.alloc(0);
  while (bytes.length < 13) {
    const { value, done } = await reader.read();
    assert.ok(!done, 'the response ended before the FLV header');
    bytes = Buffer.concat([bytes, value]);
  }
  controller.abort();
  return bytes;
}

/** ffprobe on the HTTP-FLV URL; killed after 15 s (a player waiting for a missing track never returns). */
async function probeStreams(path: string): Promise<string[]> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', server.httpUrl(path)], { timeout: 15_000 });
  return (JSON.parse(stdout) as { streams: Array<{ codec_type: string }> }).streams.map((s) => s.codec_type).sort();
}

test('an audio-only stream is announced as audio only, and ffprobe reads it', async () => {
  publishOnly('audio', 'radio');
  await server.waitForLog((line) => line.msg === 'publish start' && line.stream === 'live/radio');
  const header = await flvHeader('live/radio.flv');
  assert.equal(header.subarray(0, 3).toString(), 'FLV');
  assert.equal(header[4], AUDIO);
  assert.deepEqual(await probeStreams('live/radio.flv'), ['audio']);
});

test('a video-only stream is announced as video only, and ffprobe reads it', async () => {
  publishOnly('video', 'silent');
  await server.waitForLog((line) => line.msg === 'publish start' && line.stream === 'live/silent');
  assert.equal((await flvHeader('live/silent.flv'))[4], VIDEO);
  assert.deepEqual(await probeStreams('live/silent.flv'), ['video']);
});

test('an audio and video stream is announced with both', async () => {
  assert.equal((await flvHeader('live/healthy.flv'))[4], AUDIO | VIDEO);
});

test('a player that arrives before the publisher gets the header of the tracks that come', async () => {
  const early = flvHeader('live/later.flv');
  await server.waitForLog((line) => line.msg === 'play start' && line.stream === 'live/later');
  publishOnly('audio', 'later');
  assert.equal((await early)[4], AUDIO);
});

test('a WebSocket-FLV player of an audio-only stream gets an audio-only header', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${server.httpPort}/live/radio.flv`);
  const [first] = (await once(ws, 'message')) as [Buffer];
  ws.close();
  assert.equal(first.subarray(0, 3).toString(), 'FLV');
  assert.equal(first[4], AUDIO);
});

test('the healthy stream kept flowing', async () => {
  await healthy.assertServing();
});
