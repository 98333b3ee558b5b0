import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { inspectVideo } from '../../src/codecs/inspect.js';
import { MessageType } from '../../src/protocols/rtmp/messages.js';
import { publishTestPattern } from '../support/ffmpeg.js';
import { TestRtmpClient } from '../support/rtmp-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;

before(async () => {
  server = await startTestServer();
});

after(async () => {
  await server.close();
});

function videoTimestamps(client: TestRtmpClient): number[] {
  return client.messages.filter((m) => m.type === MessageType.Video).map((m) => m.timestamp);
}

test('a player that arrives first starts when the publisher comes, and stays across a republish', async () => {
  const player = await TestRtmpClient.open(server.rtmpPort, 'live');
  assert.equal(await player.play('early'), 'NetStream.Play.Start');

  const first = publishTestPattern(server.rtmpUrl('live/early'), 3);
  await player.waitUntil(() => player.media().length > 20, 15_000, 'media from the first publish');
  const video = player.messages.filter((m) => m.type === MessageType.Video);
  assert.ok(inspectVideo(video[0]!.payload).sequenceHeader, 'sequence header first');
  assert.ok(inspectVideo(video[1]!.payload).keyframe, 'then a keyframe');
  assert.equal(await first.exited, 0, first.stderr());
  const countAfterFirst = player.media().length;
  const lastOfFirst = Math.max(...videoTimestamps(player));

  const second = publishTestPattern(server.rtmpUrl('live/early'), 3);
  await player.waitUntil(() => player.media().length > countAfterFirst + 20, 15_000, 'media from the republish');
  await second.stop();
  assert.ok(!player.closed, 'the player stayed connected');
  const times = videoTimestamps(player);
  assert.deepEqual(times, [...times].sort((a, b) => a - b), 'video timestamps never go back, across the republish');
  assert.ok(times.at(-1)! > lastOfFirst);
  player.close();
});

test('a second publisher is refused with BadName and the first keeps streaming', async () => {
  const publisher = publishTestPattern(server.rtmpUrl('live/busy'), 12);
  await server.waitForLog((line) => line.msg === 'publish start' && line.stream === 'live/busy');
  const player = await TestRtmpClient.open(server.rtmpPort, 'live');
  await player.play('busy');

  const intruder = await TestRtmpClient.open(server.rtmpPort, 'live');
  assert.equal(await intruder.publish('busy'), 'NetStream.Publish.BadName');
  await intruder.closedByServer();

  const before = player.mediaBytes;
  await player.waitUntil(() => player.mediaBytes > before + 50_000, 10_000, 'more media from the first publisher');
  player.close();
  await publisher.stop();
});

test('200 concurrent players all receive the stream', async () => {
  const publisher = publishTestPattern(server.rtmpUrl('live/crowd'), 20);
  await server.waitForLog((line) => line.msg === 'publish start' && line.stream === 'live/crowd');
  const players: TestRtmpClient[] = [];
  for (let batch = 0; batch < 4; batch++) {
    const opened = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const client = await TestRtmpClient.open(server.rtmpPort, 'live', { keepMedia: false });
        await client.play('crowd');
        return client;
      }),
    );
    players.push(...opened);
  }
  const start = players.map((p) => p.mediaBytes);
  await Promise.all(players.map((p, i) => p.waitUntil(() => p.mediaBytes > start[i]! + 100_000, 15_000, 'media')));
  assert.equal(players.filter((p) => p.closed).length, 0);
  for (const p of players) p.close();
  await publisher.stop();
});
