import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { FlvReader, type FlvTag } from '../../src/formats/flv/reader.js';
import { inspectVideo } from '../../src/codecs/inspect.js';
import { decodeErrors, ffprobe, playToFile, publishTestPattern, rtmpdump, type RunningProcess } from '../support/ffmpeg.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let publisher: RunningProcess;
let dir: string;

before(async () => {
  server = await startTestServer();
  dir = await mkdtemp(join(tmpdir(), 'sluice-play-'));
  publisher = publishTestPattern(server.rtmpUrl('live/cam?token=abc'), 30, { size: '320x240' });
  await server.waitForLog((line) => line.msg === 'publish start');
});

after(async () => {
  await publisher.stop();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

function assertPlayable(probe: Awaited<ReturnType<typeof ffprobe>>, minSeconds: number): void {
  const video = probe.streams.find((s) => s.codec_type === 'video');
  const audio = probe.streams.find((s) => s.codec_type === 'audio');
  assert.equal(video?.codec_name, 'h264');
  assert.equal(video?.width, 320);
  assert.equal(video?.height, 240);
  assert.equal(audio?.codec_name, 'aac');
  assert.equal(audio?.sample_rate, '44100');
  assert.ok(Number(probe.format.duration) >= minSeconds, `duration ${probe.format.duration} >= ${minSeconds}`);
}

test('ffmpeg plays over RTMP, HTTP-FLV, and rtmpdump over RTMP, at the same time', async () => {
  const rtmpFile = join(dir, 'rtmp.flv');
  const httpFile = join(dir, 'http.flv');
  const dumpFile = join(dir, 'dump.flv');
  const players = [
    playToFile(server.rtmpUrl('live/cam?k=v'), 4, rtmpFile),
    playToFile(server.httpUrl('live/cam.flv?h=1'), 4, httpFile),
    rtmpdump(server.rtmpUrl('live/cam'), 4, dumpFile),
  ];
  const codes = await Promise.all(players.map((p) => p.exited));
  assert.deepEqual(codes.slice(0, 2), [0, 0], players.map((p) => p.stderr()).join('\n'));
  // rtmpdump exits 2 ("incomplete download") when interrupted in the middle of a live stream.
  assert.ok(codes[2] === 0 || codes[2] === 2, `rtmpdump exit ${codes[2]}: ${players[2]!.stderr()}`);
  for (const file of [rtmpFile, httpFile]) {
    assertPlayable(await ffprobe(file), 3.5);
    assert.equal(await decodeErrors(file), '', `${file} decodes without errors`);
  }
  assertPlayable(await ffprobe(dumpFile), 2);
});

test('an HTTP-FLV response has the FLV content type, CORS and chunked encoding', async () => {
  const controller = new AbortController();
  const response = await fetch(server.httpUrl('live/cam.flv'), { signal: controller.signal });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'video/x-flv');
  assert.equal(response.headers.get('access-control-allow-origin'), '*');
  assert.equal(response.headers.get('transfer-encoding'), 'chunked');
  const reader = response.body!.getReader();
  const first = await reader.read();
  assert.equal(Buffer.from(first.value!).subarray(0, 3).toString(), 'FLV');
  controller.abort();
});

test('WebSocket-FLV sends an FLV header, metadata, sequence headers, then a keyframe first', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${server.httpPort}/live/cam.flv`);
  const tags: FlvTag[] = [];
  const flv = new FlvReader();
  let bytes = 0;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no media over WebSocket')), 10_000);
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      assert.ok(isBinary, 'binary frames');
      bytes += data.length;
      flv.push(data, (tag) => tags.push(tag));
      if (tags.filter((t) => t.type === 9).length >= 30) {
        clearTimeout(timer);
        resolve();
      }
    });
    ws.on('error', reject);
  });
  ws.close();
  assert.ok(bytes > 10_000);
  assert.equal(tags[0]!.type, 18, 'onMetaData first');
  const video = tags.filter((t) => t.type === 9);
  assert.ok(inspectVideo(video[0]!.body).sequenceHeader, 'AVC sequence header before frames');
  assert.ok(inspectVideo(video[1]!.body).keyframe, 'first coded frame is a keyframe');
  const times = video.slice(1).map((t) => t.timestamp);
  assert.deepEqual(times, [...times].sort((a, b) => a - b), 'timestamps never go back');
});

test('an unknown HTTP path answers 404 and the API lists the stream with its codecs', async () => {
  assert.equal((await fetch(server.httpUrl('nothing/here.txt'))).status, 404);
  const answer = (await (await fetch(`http://127.0.0.1:${server.apiPort}/api/v1/streams`)).json()) as {
    streams: Array<{ name: string; video: { codec: string; width: number; height: number }; audio: { codec: string } }>;
  };
  const stream = answer.streams.find((s) => s.name === 'cam');
  assert.equal(stream?.video.codec, 'H264');
  assert.equal(stream?.video.width, 320);
  assert.equal(stream?.audio.codec, 'AAC');
});
