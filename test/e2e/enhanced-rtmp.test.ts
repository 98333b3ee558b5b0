import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MessageType } from '../../src/protocols/rtmp/messages.js';
import { TestRtmpClient } from '../support/rtmp-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

// Enhanced RTMP: a FourCC after an IsExHeader byte. The server must relay these bytes untouched
// and still understand them well enough to report the codec.
let server: TestServer;

before(async () => {
  server = await startTestServer();
});

after(async () => {
  await server.close();
});

const exVideo = (frameType: number, packetType: number, fourCc: string, payload: Buffer): Buffer =>
  Buffer.concat([Buffer.from([0x80 | (frameType << 4) | packetType]), Buffer.from(fourCc, 'latin1'), payload]);

test('HEVC over Enhanced RTMP passes through byte for byte and is described by the API', async () => {
  const hvcc = await readFile(join(import.meta.dirname, '../fixtures/hevc-main-1920x1080.hvcc'));
  const sequenceStart = exVideo(1, 0, 'hvc1', hvcc);
  const keyframe = exVideo(1, 3, 'hvc1', Buffer.from([0, 0, 0, 4, 0x26, 0x01, 0xaf, 0x11]));
  const interFrame = exVideo(2, 3, 'hvc1', Buffer.from([0, 0, 0, 4, 0x02, 0x01, 0xd0, 0x22]));

  const publisher = await TestRtmpClient.open(server.rtmpPort, 'live');
  assert.equal(await publisher.publish('hevc'), 'NetStream.Publish.Start');
  publisher.sendMedia(9, 0, sequenceStart);
  publisher.sendMedia(9, 0, keyframe);
  publisher.sendMedia(9, 40, interFrame);

  const player = await TestRtmpClient.open(server.rtmpPort, 'live');
  assert.equal(await player.play('hevc'), 'NetStream.Play.Start');
  await player.waitUntil(() => player.media().length >= 3, 5000, 'the cached GOP');
  publisher.sendMedia(9, 80, interFrame);
  await player.waitUntil(() => player.media().length >= 4, 5000, 'a live frame');
  const video = player.messages.filter((m) => m.type === MessageType.Video).map((m) => m.payload);
  assert.deepEqual(video, [sequenceStart, keyframe, interFrame, interFrame]);

  const api = (await (await fetch(`http://127.0.0.1:${server.apiPort}/api/v1/streams`)).json()) as {
    streams: Array<{ name: string; video: { codec: string; width: number; height: number } }>;
  };
  const stream = api.streams.find((s) => s.name === 'hevc');
  assert.deepEqual([stream?.video.codec, stream?.video.width, stream?.video.height], ['HEVC', 1920, 1080]);
  publisher.close();
  player.close();
});
