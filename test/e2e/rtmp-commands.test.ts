import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeAmf0 } from '../../src/protocols/rtmp/amf0.js';
import { MessageType, UserControlEvent, userControl } from '../../src/protocols/rtmp/messages.js';
import { publishTestPattern, type RunningProcess } from '../support/ffmpeg.js';
import { TestRtmpClient, statusCode } from '../support/rtmp-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let publisher: RunningProcess;

before(async () => {
  server = await startTestServer();
  publisher = publishTestPattern(server.rtmpUrl('live/cmd'), 40);
  await server.waitForLog((line) => line.msg === 'publish start');
});

after(async () => {
  await publisher.stop();
  await server.close();
});

test('commands sent as AMF3 command messages (type 17) are understood', async () => {
  const client = await TestRtmpClient.open(server.rtmpPort, 'live');
  const payload = Buffer.concat([Buffer.from([0]), encodeAmf0('createStream', 7, null)]);
  client.send({ type: MessageType.CommandAmf3, streamId: 0, timestamp: 0, chunkStreamId: 3, payload });
  const reply = await client.waitForCommand((c) => c.name === '_result' && c.transactionId === 7);
  assert.equal(reply.args[0], 1);
  client.close();
});

test('ping requests are answered, getStreamLength is answered', async () => {
  const client = await TestRtmpClient.open(server.rtmpPort, 'live');
  client.send(userControl(UserControlEvent.PingRequest, 12345));
  await client.waitUntil(
    () => client.messages.find((m) => m.type === MessageType.UserControl && m.payload.readUInt16BE(0) === UserControlEvent.PingResponse && m.payload.readUInt32BE(2) === 12345),
    5000,
    'ping response',
  );
  client.command('getStreamLength', 0, 'cmd');
  await client.waitForCommand((c) => c.name === '_result' && c.args[0] === 0);
  client.close();
});

test('receiveVideo false stops video but not audio; pause and unpause', async () => {
  const client = await TestRtmpClient.open(server.rtmpPort, 'live');
  assert.equal(await client.play('cmd'), 'NetStream.Play.Start');
  await client.waitUntil(() => client.media().length > 10, 5000, 'media');
  client.command('receiveVideo', 1, false);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const mark = client.messages.length;
  await client.waitUntil(() => client.messages.slice(mark).filter((m) => m.type === MessageType.Audio).length > 10, 5000, 'audio');
  assert.equal(client.messages.slice(mark).filter((m) => m.type === MessageType.Video).length, 0, 'no video after receiveVideo false');

  client.command('receiveVideo', 1, true);
  client.command('pause', 1, true, 0);
  assert.equal(await client.waitForStatus(/Pause\.Notify/), 'NetStream.Pause.Notify');
  await new Promise((resolve) => setTimeout(resolve, 300));
  const paused = client.media().length;
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.ok(client.media().length - paused <= 2, 'nothing flows while paused');
  client.command('pause', 1, false, 0);
  assert.equal(await client.waitForStatus(/Unpause\.Notify/), 'NetStream.Unpause.Notify');
  await client.waitUntil(() => client.media().length > paused + 10, 5000, 'media after unpause');
  client.close();
});

test('deleteStream ends a publish and the stream can be published again', async () => {
  const first = await TestRtmpClient.open(server.rtmpPort, 'live');
  assert.equal(await first.publish('again'), 'NetStream.Publish.Start');
  first.command('deleteStream', 0, 1);
  await server.waitForLog((line) => line.msg === 'publish stop' && line.reason === 'deleteStream');
  const second = await TestRtmpClient.open(server.rtmpPort, 'live');
  assert.equal(await second.publish('again'), 'NetStream.Publish.Start');
  assert.equal(statusCode(second.commands.find((c) => c.name === 'onStatus')!), 'NetStream.Publish.Start');
  first.close();
  second.close();
});
