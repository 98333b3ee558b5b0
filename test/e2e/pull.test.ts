import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { decodeErrors, ffprobe, playToFile, publishTestPattern, timestampsGoingBack } from '../support/ffmpeg.js';
import { startNginxRtmp } from '../support/nginx-rtmp.js';
import { TestRtmpClient } from '../support/rtmp-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

const run = promisify(execFile);
const relay = { retry_initial: 0.2, retry_max: 1, connect_timeout: 3 };
const FIXTURE = fileURLToPath(new URL('../fixtures/h264-aac-2s.flv', import.meta.url));

type Line = Record<string, unknown>;

/** An SRS on_publish receiver answering `answer`; keeps the bodies. */
async function onPublish(answer: string): Promise<{ server: Server; url: string; bodies: Line[] }> {
  const bodies: Line[] = [];
  const server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      bodies.push(JSON.parse(text) as Line);
      response.end(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/api/v1/streams`, bodies };
}

async function playsCopy(edge: TestServer, name: string): Promise<void> {
  const player = await TestRtmpClient.open(edge.rtmpPort, 'live', { keepMedia: false });
  assert.equal(await player.play(name), 'NetStream.Play.Start');
  await player.waitUntil(() => player.mediaBytes > 50_000, 10_000, `media of live/${name}`);
  player.close();
  const probe = await ffprobe(edge.httpUrl(`live/${name}.flv`));
  assert.deepEqual(probe.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
}

test('pull: RTMP and HTTP-FLV sources are published here through the gate, under protocol names that say so', async () => {
  const origin = await startTestServer();
  const hooks = await onPublish('{"code":0}');
  const edge = await startTestServer({
    relay: {
      ...relay,
      pull: [
        { url: origin.rtmpUrl('live/src'), app: 'live', stream: 'viartmp' },
        { url: origin.httpUrl('live/src.flv'), app: 'live', stream: 'viaflv' },
      ],
    },
    vhosts: { __defaultVhost__: { http_hooks: { enabled: true, on_publish: hooks.url } } },
  });
  const publisher = publishTestPattern(origin.rtmpUrl('live/src'), 60);
  try {
    const started = (protocol: string) => edge.waitForLog((line) => line.msg === 'publish start' && line.protocol === protocol, 15_000);
    assert.equal((await started('rtmp-pull')).stream, 'live/viartmp');
    assert.equal((await started('flv-pull')).stream, 'live/viaflv');
    assert.deepEqual(hooks.bodies.map((b) => b.stream).sort(), ['viaflv', 'viartmp'], 'on_publish asked for each');
    await playsCopy(edge, 'viartmp');
    await playsCopy(edge, 'viaflv');
  } finally {
    await publisher.stop();
    await Promise.all([edge.close(), origin.close()]);
    hooks.server.close();
  }
});

test('pull from nginx-rtmp: its play answers are understood and the stream is published here', async () => {
  const nginx = await startNginxRtmp();
  const edge = await startTestServer({ relay: { ...relay, pull: [{ url: `rtmp://127.0.0.1:${nginx.port}/live/src`, app: 'live', stream: 'fromnginx' }] } });
  const publisher = publishTestPattern(`rtmp://127.0.0.1:${nginx.port}/live/src`, 60);
  try {
    await edge.waitForLog((line) => line.msg === 'publish start' && line.stream === 'live/fromnginx', 20_000);
    await playsCopy(edge, 'fromnginx');
  } finally {
    await publisher.stop();
    await edge.close();
    await nginx.stop();
  }
});

test('pull: a source that is down or whose name does not resolve, or a publish the gate refuses, is retried with a clear log line; nothing is published meanwhile', async () => {
  const origin = await startTestServer();
  const refuse = await onPublish('{"code":1}');
  const edge = await startTestServer({
    relay: {
      ...relay,
      pull: [
        { url: 'rtmp://127.0.0.1:9/live/nothing', app: 'live', stream: 'down' },
        { url: 'rtmp://no-such-host.invalid/live/nothing', app: 'live', stream: 'nodns' },
        { url: 'http://no-such-host.invalid/live/nothing.m3u8', app: 'live', stream: 'nodnshls' },
      ],
    },
  });
  const refusing = await startTestServer({
    relay: { ...relay, pull: [{ url: origin.rtmpUrl('live/src'), app: 'live', stream: 'refused' }] },
    vhosts: { __defaultVhost__: { http_hooks: { enabled: true, on_publish: refuse.url } } },
  });
  const publisher = publishTestPattern(origin.rtmpUrl('live/src'), 60);
  try {
    const failed = (stream: string) => edge.waitForLog((line) => line.msg === 'pull failed, retrying' && line.stream === stream);
    assert.match(String((await failed('live/down')).error), /ECONNREFUSED/);
    assert.match(String((await failed('live/nodns')).error), /ENOTFOUND|EAI_AGAIN/);
    assert.match(String((await failed('live/nodnshls')).error), /ENOTFOUND|EAI_AGAIN/);
    const refused = await refusing.waitForLog((line) => line.msg === 'pull failed, retrying' && /on_publish/.test(String(line.error)), 15_000);
    assert.equal(refused.stream, 'live/refused');
    assert.ok(!refusing.logs().some((line) => line.msg === 'publish start' && line.stream === 'live/refused'));
    assert.equal(refusing.hub.find('__defaultVhost__', 'live', 'refused')?.publisher, undefined);
  } finally {
    await publisher.stop();
    await Promise.all([edge.close(), refusing.close(), origin.close()]);
    refuse.server.close();
  }
});

test('virtual live: an FLV or MP4 file plays in a loop at real-time pace and its timestamps never go back; paths that lead outside the directory are refused', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-vlive-'));
  const videos = join(dir, 'videos');
  await mkdir(videos);
  await copyFile(FIXTURE, join(videos, 'clip.flv'));
  // The same clip as MP4, moov after mdat (as ffmpeg writes it without faststart).
  await run('ffmpeg', ['-v', 'error', '-i', FIXTURE, '-c', 'copy', join(videos, 'clip.mp4')]);
  await writeFile(join(dir, 'secret.flv'), 'outside');
  await writeFile(join(videos, 'notes.flv'), 'these are notes, not a video\n');
  await writeFile(join(videos, 'notes.mp4'), 'these are notes, not a video\n');
  await symlink(join(dir, 'secret.flv'), join(videos, 'escape.flv'));
  const server = await startTestServer({
    relay: {
      ...relay,
      virtual_live: {
        dir: videos,
        streams: [
          { file: 'clip.flv', app: 'live', stream: 'loop' },
          { file: 'clip.mp4', app: 'live', stream: 'mp4loop' },
          { file: '../secret.flv', app: 'live', stream: 'dotdot' },
          { file: 'escape.flv', app: 'live', stream: 'link' },
          { file: 'notes.flv', app: 'live', stream: 'notflv' },
          { file: 'notes.mp4', app: 'live', stream: 'notmp4' },
        ],
      },
    },
  });
  try {
    const players = await Promise.all(['loop', 'mp4loop'].map(async (name) => {
      const player = await TestRtmpClient.open(server.rtmpPort, 'live');
      assert.equal(await player.play(name), 'NetStream.Play.Start');
      return player;
    }));
    for (const player of players) {
      // Three passes of a 2 s file: media time past 6 s.
      const video = () => player.media().filter((m) => m.type === 9 && m.payload[1] === 1).map((m) => m.timestamp);
      await player.waitUntil(() => Math.max(0, ...video()) > 6500, 20_000, 'three loops');
      const times = video();
      assert.ok(times.length > 100, `${times.length} video frames in three loops`);
      times.slice(1).forEach((t, i) => assert.ok(t >= times[i]!, `timestamp ${t} after ${times[i]}`));
      const audio = player.media().filter((m) => m.type === 8 && m.payload[1] === 1).map((m) => m.timestamp);
      assert.ok(audio.length > 100, `${audio.length} audio frames in three loops`);
      audio.slice(1).forEach((t, i) => assert.ok(t >= audio[i]!, `audio timestamp ${t} after ${audio[i]}`));
      player.close();
    }
    // What ffmpeg plays of the MP4 across three passes: H.264 and AAC, no timestamp going back, no decode error.
    const capture = join(dir, 'mp4loop.flv');
    const player = playToFile(server.rtmpUrl('live/mp4loop'), 6.5, capture);
    assert.equal(await player.exited, 0, player.stderr());
    const probe = await ffprobe(capture);
    assert.deepEqual(probe.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
    assert.equal(await timestampsGoingBack(capture), 0);
    assert.equal(await decodeErrors(capture, 6), '');

    const refusals = server.logs().filter((line) => line.msg === 'pull failed, retrying' && line.protocol === 'virtual-live');
    assert.match(String(refusals.find((l) => l.stream === 'live/dotdot')?.error), /outside the virtual live directory/);
    assert.match(String(refusals.find((l) => l.stream === 'live/link')?.error), /leads outside the virtual live directory/);
    assert.match(String(refusals.find((l) => l.stream === 'live/notflv')?.error), /cannot play .*notes\.flv: /);
    assert.match(String(refusals.find((l) => l.stream === 'live/notmp4')?.error), /cannot play .*notes\.mp4: /);
    const refused = ['live/dotdot', 'live/link', 'live/notflv', 'live/notmp4'];
    assert.ok(!server.logs().some((line) => line.msg === 'publish start' && refused.includes(String(line.stream))));
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});
