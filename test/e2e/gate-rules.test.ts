import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signStreamUrl } from '../../src/index.js';
import { ffprobe, playToFile, publishTestPattern, type RunningProcess } from '../support/ffmpeg.js';
import { startTestServer, type TestServer } from '../support/server.js';

// Publishers need the secret; players of app `live` need a signed URL; vhost `locked` refuses 127.0.0.1.
const SECRET = 'pw7';
const KEY = 'sign-key';

let server: TestServer;
let publisher: RunningProcess;
let dir: string;

const signed = (url: string, ttl = 300) => signStreamUrl(url, { key: KEY, expires: Math.floor(Date.now() / 1000) + ttl });
const refusals = (action: string) => server.logs().filter((l) => l.msg === `rtmp ${action} refused`);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-rules-'));
  server = await startTestServer({
    publish_secret: { enabled: true, secret: SECRET },
    signed_urls: { enabled: true, key: KEY, publish: false, apps: ['live'] },
    vhosts: {
      __defaultVhost__: { hls: { enabled: true, hls_path: join(dir, 'hls'), hls_fragment: 1, hls_window: 10 } },
      locked: { security: { enabled: true, deny: ['publish 127.0.0.1', 'play 127.0.0.0/8'], allow: ['play all'] } },
    },
  });
  // The healthy stream, published with the secret in the query, serving everyone throughout.
  publisher = publishTestPattern(server.rtmpUrl(`live/cam?secret=${SECRET}`), 60);
  await server.waitForLog((line) => line.msg === 'publish start' && line.stream === 'live/cam');
});

after(async () => {
  await publisher.stop();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function assertPlays(url: string, file: string): Promise<void> {
  const player = playToFile(url, 2, join(dir, file));
  assert.equal(await player.exited, 0, player.stderr());
  const probe = await ffprobe(join(dir, file));
  assert.deepEqual(probe.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
}

test('ffmpeg without the secret cannot publish', async () => {
  const intruder = publishTestPattern(server.rtmpUrl('live/intruder'), 5);
  assert.notEqual(await intruder.exited, 0);
  const [refused] = refusals('publish').filter((l) => l.stream === 'live/intruder');
  assert.equal(refused?.reason, 'publish needs the stream secret');
  assert.ok(!server.logs().some((l) => l.msg === 'publish start' && l.stream === 'live/intruder'));
});

test('the secret appended to the stream name publishes under the name without it', async () => {
  const camera = publishTestPattern(server.rtmpUrl(`live/door${SECRET}`), 30);
  try {
    await server.waitForLog((line) => line.msg === 'publish start' && line.stream === 'live/door');
    await assertPlays(signed(server.httpUrl('live/door.flv')), 'door.flv');
    assert.ok(!server.logs().some((l) => String(l.stream).includes(SECRET)), 'the secret is never a stream name');
  } finally {
    await camera.stop();
  }
});

test('HTTP-FLV play: a signed URL plays; unsigned, forged and expired ones get 403', async () => {
  await assertPlays(signed(server.httpUrl('live/cam.flv')), 'signed.flv');
  const unsigned = await fetch(server.httpUrl('live/cam.flv'));
  assert.equal(unsigned.status, 403);
  assert.match(await unsigned.text(), /play needs a signed URL/);
  const forged = await fetch(signed(server.httpUrl('live/other.flv')).replace('/other.flv', '/cam.flv'));
  assert.equal(forged.status, 403);
  assert.match(await forged.text(), /bad signature/);
  const expired = await fetch(signed(server.httpUrl('live/cam.flv'), -10));
  assert.equal(expired.status, 403);
  assert.match(await expired.text(), /expired/);
});

test('RTMP play needs the signature too; node-media-server signed URLs work', async () => {
  const player = playToFile(server.rtmpUrl('live/cam'), 2, join(dir, 'unsigned.flv'));
  assert.notEqual(await player.exited, 0);
  assert.ok(refusals('play').some((l) => l.reason === 'play needs a signed URL (expires and sign)'));
  const nms = signStreamUrl(server.rtmpUrl('live/cam'), { key: KEY, expires: Math.floor(Date.now() / 1000) + 300, nms: true });
  await assertPlays(nms, 'nms.flv');
});

test('HLS: ffmpeg plays a signed playlist URL; an unsigned one gets 403', async () => {
  const url = server.httpUrl('live/cam.m3u8');
  const deadline = Date.now() + 20_000;
  while ((await fetch(signed(url))).status === 404 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  assert.equal((await fetch(url)).status, 403);
  await assertPlays(signed(url), 'hls.ts');
});

test('security: publish and play from 127.0.0.1 are refused on the locked vhost', async () => {
  const intruder = publishTestPattern(server.rtmpUrl(`live/cam2?vhost=locked&secret=${SECRET}`), 5);
  assert.notEqual(await intruder.exited, 0);
  assert.ok(refusals('publish').some((l) => l.stream === 'live/cam2' && l.reason === 'publish denied for 127.0.0.1 by "deny publish 127.0.0.1"'));
  const viewer = playToFile(server.rtmpUrl('live/cam?vhost=locked'), 2, join(dir, 'locked.flv'));
  assert.notEqual(await viewer.exited, 0);
  assert.ok(refusals('play').some((l) => l.reason === 'play denied for 127.0.0.1 by "deny play 127.0.0.0/8"'));
  // Everyone else is still served.
  await assertPlays(signed(server.httpUrl('live/cam.flv')), 'after.flv');
});
