import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { publishTestPattern } from '../support/ffmpeg.js';
import { TestRtmpClient } from '../support/rtmp-client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { Receiver } from '../unit/gate/support.js';

/** The notify dialect through the real server: a 3xx renames what a player watches; on_update can end a session. */

let server: TestServer;
let receiver: Receiver;
let updatesLeft = 2;

before(async () => {
  receiver = await Receiver.start((req, res) => {
    const form = new URLSearchParams(req.body);
    if (form.get('call') === 'play' && form.get('name') === 'old-name') res.writeHead(302, { location: 'cam' });
    if (form.get('call') === 'update' && form.get('clientid') === playerId() && --updatesLeft < 0) res.writeHead(403);
    res.end();
  });
  const url = (event: string) => receiver.url(`/${event}`);
  server = await startTestServer({
    vhosts: {
      __defaultVhost__: {
        http_notify: {
          enabled: true,
          on_connect: url('on_connect'),
          on_publish: url('on_publish'),
          on_play: url('on_play'),
          on_update: url('on_update'),
          on_play_done: url('on_play_done'),
          notify_update_timeout: '300ms',
        },
      },
    },
  });
});

after(async () => {
  await server.close();
  await receiver.close();
});

const playerId = () =>
  receiver.requests.map((r) => new URLSearchParams(r.body)).find((f) => f.get('call') === 'play')?.get('clientid') ?? '';

test('a 3xx to on_play renames the stream; a refused on_update ends the session', async () => {
  const publisher = publishTestPattern(server.rtmpUrl('live/cam?token=abc'), 8);
  await server.waitForLog((line) => line.msg === 'publish start');
  const player = await TestRtmpClient.open(server.rtmpPort, 'live', { keepMedia: false });
  assert.equal(await player.play('old-name'), 'NetStream.Play.Start');
  await player.waitUntil(() => player.mediaBytes > 0, 5000, 'media of the renamed stream');
  // Two updates allowed, the third refused: the server closes the player.
  await player.closedByServer(5000);
  const calls = () => receiver.requests.map((r) => new URLSearchParams(r.body)).filter((f) => f.get('clientid') === playerId());
  await receiver.waitFor(1, (r) => r.url === '/on_play_done');
  assert.deepEqual(calls().map((f) => f.get('call')), ['connect', 'play', 'update', 'update', 'update', 'play_done']);
  assert.equal(calls()[1]!.get('name'), 'old-name');
  assert.equal(calls().at(-1)!.get('name'), 'cam', 'the session lives on under its new name');
  const publish = receiver.requests.map((r) => new URLSearchParams(r.body)).find((f) => f.get('call') === 'publish')!;
  assert.equal(publish.get('token'), 'abc');
  assert.equal(publish.get('protocol'), 'rtmp');
  await publisher.stop();
});
