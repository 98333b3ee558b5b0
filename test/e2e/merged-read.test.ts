import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { PacketType, readVideoTagHeader } from '../../src/codecs/inspect.js';
import { MessageType } from '../../src/protocols/rtmp/messages.js';
import { runToEnd } from '../support/ffmpeg.js';
import { TestRtmpClient } from '../support/rtmp-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/h264-aac-2s.flv', import.meta.url));
// The fixture's video packets (test/fixtures/h264-aac-2s.video-packets.csv), after its sequence header.
const FIXTURE_VIDEO_FRAMES = 50;
const MR_LATENCY = 300;

// The server runs in this process: every pause and resume of a socket is seen here, keyed by the
// socket's peer port, so the server's side of the publisher's connection can be looked at.
const pausedMsByPeerPort = new Map<number, number[]>();
const pausedAt = new Map<number, number>();
const { pause, resume } = Socket.prototype;
let server: TestServer;

before(async () => {
  Socket.prototype.pause = function (this: Socket) {
    if (this.remotePort !== undefined && !pausedAt.has(this.remotePort)) pausedAt.set(this.remotePort, performance.now());
    return pause.call(this);
  };
  Socket.prototype.resume = function (this: Socket) {
    const since = this.remotePort === undefined ? undefined : pausedAt.get(this.remotePort);
    if (since !== undefined) {
      pausedAt.delete(this.remotePort!);
      pausedMsByPeerPort.set(this.remotePort!, [...(pausedMsByPeerPort.get(this.remotePort!) ?? []), performance.now() - since]);
    }
    return resume.call(this);
  };
  server = await startTestServer({ vhosts: { __defaultVhost__: {}, merged: { publish: { mr: true, mr_latency: MR_LATENCY } } } });
});

after(async () => {
  Socket.prototype.pause = pause;
  Socket.prototype.resume = resume;
  await server.close();
});

test('mr on: the publisher is read in pauses of mr_latency, and players get every frame in order', async () => {
  const player = await TestRtmpClient.open(server.rtmpPort, 'live', { tcUrl: `rtmp://merged:${server.rtmpPort}/live` });
  assert.equal(await player.play('merged'), 'NetStream.Play.Start');

  const publish = await runToEnd('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-i', FIXTURE, '-c', 'copy', '-f', 'flv', server.rtmpUrl('live/merged?vhost=merged')]);
  assert.equal(publish.code, 0, publish.stderr);

  // Coded frames only: ffmpeg adds an end-of-sequence packet after the last one.
  const frames = () => player.messages.filter((m) => m.type === MessageType.Video && readVideoTagHeader(m.payload).packetType === PacketType.CodedFrames);
  await player.waitUntil(() => frames().length >= FIXTURE_VIDEO_FRAMES, 10_000, 'every video frame');
  const times = frames().map((m) => m.timestamp);
  assert.equal(times.length, FIXTURE_VIDEO_FRAMES, 'each frame once');
  assert.deepEqual(times, [...times].sort((a, b) => a - b), 'in order');

  // Only the player and ffmpeg connected; the publisher's socket is the other one.
  const publisherPauses = [...pausedMsByPeerPort].filter(([port]) => port !== player.socket.localPort).flatMap(([, pauses]) => pauses);
  // A timer counts from the event loop's time at the start of its turn, so a pause measured from
  // the call may come out a little short of mr_latency.
  const merged = publisherPauses.filter((ms) => ms >= MR_LATENCY - 50);
  assert.ok(merged.length > 0, `pauses of the publisher's socket: ${publisherPauses.map(Math.round).join(', ')}`);
  player.close();
});
