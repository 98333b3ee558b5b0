import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { playToFile, ffprobe, publishTestPattern } from '../support/ffmpeg.js';
import { TestRtmpClient } from '../support/rtmp-client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { waitFor } from '../support/wait.js';
import { Receiver, type Received } from '../unit/gate/support.js';

/**
 * HTTP callbacks end to end: real ffmpeg and RTMP clients through the real server, with a real
 * receiver that refuses `?token=bad`. Events and their order must be SRS's.
 */

let server: TestServer;
let receiver: Receiver;
let dir: string;
const EVENTS = ['on_connect', 'on_close', 'on_publish', 'on_unpublish', 'on_play', 'on_stop'];

interface Hook {
  action: string;
  client_id: string;
  param: string;
  tcUrl: string;
  stream: string;
}

const hooks = (): Hook[] => receiver.requests.map((r: Received) => JSON.parse(r.body) as Hook);
const actionsOf = (clientId: string) => hooks().filter((h) => h.client_id === clientId).map((h) => h.action);
const clientWith = (action: string, param: string) => hooks().find((h) => h.action === action && h.param === param)?.client_id ?? '';

before(async () => {
  receiver = await Receiver.start((req, res) => {
    const body = JSON.parse(req.body) as Hook;
    const gate = body.action === 'on_publish' || body.action === 'on_play';
    res.end(gate && body.param.includes('token=bad') ? '{"code":1,"msg":"bad token"}' : '0');
  });
  const urls = Object.fromEntries(EVENTS.map((event) => [event, receiver.url(`/api/v1/${event}`)]));
  server = await startTestServer({ vhosts: { __defaultVhost__: { http_hooks: { enabled: true, ...urls } } } });
  dir = await mkdtemp(join(tmpdir(), 'sluice-hooks-'));
});

after(async () => {
  await server.close();
  await receiver.close();
  await rm(dir, { recursive: true, force: true });
});

test('ffmpeg publish, RTMP play and HTTP-FLV play send SRS events in SRS order', async () => {
  const publisher = publishTestPattern(server.rtmpUrl('live/cam?token=abc'), 5);
  await server.waitForLog((line) => line.msg === 'publish start');
  const rtmpFile = join(dir, 'rtmp.flv');
  const flvFile = join(dir, 'http.flv');
  const players = [playToFile(server.rtmpUrl('live/cam?k=v'), 1.5, rtmpFile), playToFile(server.httpUrl('live/cam.flv?h=1'), 1.5, flvFile)];
  assert.deepEqual(await Promise.all(players.map((p) => p.exited)), [0, 0], players.map((p) => p.stderr()).join('\n'));
  assert.equal(await publisher.exited, 0, publisher.stderr());
  assert.ok((await ffprobe(rtmpFile)).streams.length === 2);

  const pub = clientWith('on_publish', '?token=abc');
  const rtmpPlayer = clientWith('on_play', '?k=v');
  const flvPlayer = clientWith('on_play', '?h=1');
  await waitFor(() => actionsOf(pub).includes('on_close') && actionsOf(rtmpPlayer).includes('on_close') && actionsOf(flvPlayer).includes('on_stop'), 'the last events');
  assert.deepEqual(actionsOf(pub), ['on_connect', 'on_publish', 'on_unpublish', 'on_close']);
  assert.deepEqual(actionsOf(rtmpPlayer), ['on_connect', 'on_play', 'on_stop', 'on_close']);
  assert.deepEqual(actionsOf(flvPlayer), ['on_play', 'on_stop']);

  const connect = hooks().find((h) => h.client_id === pub && h.action === 'on_connect')!;
  assert.equal(connect.stream, 'cam', 'on_connect already carries the stream');
  assert.equal(connect.param, '?token=abc');
  const flvPlay = hooks().find((h) => h.client_id === flvPlayer)!;
  assert.equal(flvPlay.tcUrl, 'rtmp://__defaultVhost__/live');
  for (const request of receiver.requests) assert.match(request.body, /^\{"server_id":"vid-[0-9a-z]{7}","service_id":"[0-9a-z]{8}","action":"on_/);
  await compareWithReference(pub, rtmpPlayer);
});

/**
 * Each body of the publisher and the RTMP player, key by key against what SRS 7.0.18 sent in the
 * same scenario: same keys in the same order, same types, same values where the scenario fixes them.
 */
async function compareWithReference(publisherId: string, playerId: string): Promise<void> {
  const lines = (await readFile(join(import.meta.dirname, '../unit/gate/fixtures/srs-7.0.18-run1-basic.jsonl'), 'utf8')).trim().split('\n');
  const reference = lines.map((line) => JSON.parse((JSON.parse(line) as { body: string }).body || '{}') as Record<string, unknown>);
  const referenceFor = (action: string, param: string) => reference.find((r) => r.action === action && (r.param === undefined || r.param === param));
  const scenario = [
    { id: publisherId, refParam: '?token=abc&salt=1', ourParam: '?token=abc' },
    { id: playerId, refParam: '?k=v', ourParam: '?k=v' },
  ];
  for (const { id, refParam, ourParam } of scenario) {
    for (const request of receiver.requests) {
      const body = JSON.parse(request.body) as Record<string, unknown>;
      if (body.client_id !== id) continue;
      const expected = referenceFor(String(body.action), refParam);
      assert.ok(expected, `SRS sent ${String(body.action)} too`);
      assert.deepEqual(Object.keys(body), Object.keys(expected), `${String(body.action)}: keys and their order`);
      for (const [key, value] of Object.entries(expected)) {
        assert.equal(typeof body[key], typeof value, `${String(body.action)}.${key}: type`);
      }
      for (const key of ['ip', 'vhost', 'app', 'pageUrl', 'stream_url']) {
        if (key in expected) assert.equal(body[key], key === 'stream_url' ? '/live/cam' : expected[key], `${String(body.action)}.${key}`);
      }
      if ('param' in expected) assert.equal(body.param, ourParam);
      if ('tcUrl' in expected) assert.equal(body.tcUrl, `rtmp://127.0.0.1:${server.rtmpPort}/live`);
    }
  }
}

test('a refused publisher gets an error, and a player waiting for that stream gets no media', async () => {
  const watcher = await TestRtmpClient.open(server.rtmpPort, 'live');
  watcher.command('createStream', 0);
  await watcher.waitForCommand((c) => c.name === '_result' && typeof c.args[0] === 'number');
  watcher.command('play', 1, 'secret?token=ok', -1000, -1, true);

  const client = await TestRtmpClient.open(server.rtmpPort, 'live');
  assert.equal(await client.publish('secret?token=bad'), 'NetStream.Publish.Rejected');
  await client.closedByServer();

  const ffmpeg = publishTestPattern(server.rtmpUrl('live/secret?token=bad'), 3);
  assert.notEqual(await ffmpeg.exited, 0, 'ffmpeg fails to publish');
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(watcher.mediaBytes, 0);
  watcher.close();

  const refused = hooks().filter((h) => h.param === '?token=bad' && h.action === 'on_publish').map((h) => h.client_id);
  assert.equal(refused.length, 2);
  for (const id of refused) {
    await waitFor(() => actionsOf(id).includes('on_close'), 'on_close of a refused publisher');
    assert.deepEqual(actionsOf(id), ['on_connect', 'on_publish', 'on_close'], 'no on_unpublish for a refused publish');
  }
});

test('a refused RTMP player gets NetStream.Play.Failed and no on_stop', async () => {
  const publisher = await TestRtmpClient.open(server.rtmpPort, 'live');
  assert.equal(await publisher.publish('cam2?token=abc'), 'NetStream.Publish.Start');
  const player = await TestRtmpClient.open(server.rtmpPort, 'live');
  assert.equal(await player.play('cam2?token=bad'), 'NetStream.Play.Failed');
  await player.closedByServer();
  const id = hooks().find((h) => h.action === 'on_play' && h.param === '?token=bad' && h.stream === 'cam2')!.client_id;
  await waitFor(() => actionsOf(id).includes('on_close'), 'on_close of the refused player');
  assert.deepEqual(actionsOf(id), ['on_connect', 'on_play', 'on_close']);
  publisher.close();
});

test('a refused HTTP-FLV player gets 403 with the reason', async () => {
  const response = await fetch(server.httpUrl('live/cam.flv?token=bad'));
  assert.equal(response.status, 403);
  const text = await response.text();
  assert.match(text, /^on_play answered body .*the body must be 0 or \{"code":0\}/);
});
