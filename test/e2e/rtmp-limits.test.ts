import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { once } from 'node:events';
import { publishTestPattern, type RunningProcess } from '../support/ffmpeg.js';
import { TestRtmpClient } from '../support/rtmp-client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { waitFor } from '../support/wait.js';

// Each limit below is pushed while a healthy ffmpeg publisher and a player stream; the last test
// checks that they never noticed and that no client's behaviour was logged as a server error.
const MiB = 1024 * 1024;
let server: TestServer;
let hooks: Server;
let publisher: RunningProcess;
let watcher: TestRtmpClient;
// on_connect for app `hang` (asked at the first publish or play) is held until the test answers it.
const held: ServerResponse[] = [];

before(async () => {
  hooks = createServer((request: IncomingMessage, response: ServerResponse) => {
    let body = '';
    request.on('data', (data: Buffer) => (body += data.toString()));
    request.on('end', () => {
      if ((JSON.parse(body) as { app?: string }).app === 'hang') held.push(response);
      else response.end('0');
    });
  });
  await new Promise<void>((resolve) => hooks.listen(0, '127.0.0.1', resolve));
  const hookUrl = `http://127.0.0.1:${(hooks.address() as { port: number }).port}/clients`;
  server = await startTestServer({
    handshake_timeout: 2,
    max_connections: 50,
    max_pending_connections: 4,
    vhosts: {
      __defaultVhost__: {
        publish: { firstpkt_timeout: 4000, normal_timeout: 1000 },
        play: { gop_cache_max_bytes: 8 * MiB },
        http_hooks: { enabled: true, on_connect: hookUrl, timeout: 60 },
      },
    },
  });
  publisher = publishTestPattern(server.rtmpUrl('live/healthy'), 300);
  await server.waitForLog((line) => line.msg === 'publish start' && line.stream === 'live/healthy', 20_000);
  watcher = await TestRtmpClient.open(server.rtmpPort, 'live', { keepMedia: false });
  assert.equal(await watcher.play('healthy'), 'NetStream.Play.Start');
});

after(async () => {
  watcher.close();
  await publisher.stop();
  for (const response of held) response.end('0');
  await server.close();
  hooks.closeAllConnections();
  await new Promise((resolve) => hooks.close(resolve));
});

const sessionEnd = (reason: RegExp) => (line: Record<string, unknown>): boolean =>
  line.msg === 'session end' && typeof line.reason === 'string' && reason.test(line.reason);

const videoFrame = (key: boolean, size: number): Buffer => Buffer.concat([Buffer.from([key ? 0x17 : 0x27, 1, 0, 0, 0]), Buffer.alloc(size, 7)]);
const AVC_HEADER = Buffer.from([0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1f, 0xff, 0xe1, 0, 0]);

test('a GOP larger than gop_cache_max_bytes is dropped with one log line; new players start at the next keyframe', async () => {
  const source = await TestRtmpClient.open(server.rtmpPort, 'live');
  assert.equal(await source.publish('bomb'), 'NetStream.Publish.Start');
  source.sendMedia(9, 0, AVC_HEADER);
  source.sendMedia(9, 0, videoFrame(true, 1000));
  // 16 frames of 1 MiB: twice the bound.
  for (let i = 1; i <= 16; i++) source.sendMedia(9, i * 40, videoFrame(false, MiB));
  const dropped = await server.waitForLog((line) => /gop cache exceeds/.test(String(line.msg)));
  assert.equal(dropped.stream, 'live/bomb');
  assert.equal(dropped.level, 40, 'a warning');
  assert.ok(Number(dropped.bytes) > 8 * MiB && Number(dropped.bytes) <= 9 * MiB, `dropped at the bound: ${dropped.bytes}`);

  const player = await TestRtmpClient.open(server.rtmpPort, 'live');
  assert.equal(await player.play('bomb'), 'NetStream.Play.Start');
  source.sendMedia(9, 17 * 40, videoFrame(false, 1000));
  source.sendMedia(9, 18 * 40, videoFrame(true, 2000));
  await player.waitUntil(() => player.media().length >= 2, 10_000, 'the header and the next keyframe');
  const video = player.media().map((m) => m.payload.length);
  assert.deepEqual(video, [AVC_HEADER.length, 2005], 'only the sequence header, then the next keyframe: nothing of the dropped GOP');
  assert.equal(server.logs().filter((line) => /gop cache exceeds/.test(String(line.msg))).length, 1, 'one log line per drop');
  source.close();
  player.close();
});

test('while a gate call is pending nothing more is read from the client; a refusal releases it', async () => {
  const client = await TestRtmpClient.open(server.rtmpPort, 'hang', { keepMedia: false });
  client.command('createStream', 0);
  client.command('publish', 1, 'held', 'live');
  await waitFor(() => held.length > 0, 'on_connect to arrive');
  // 64 MiB of media behind the publish command.
  for (let i = 0; i < 64; i++) client.sendMedia(9, i * 40, videoFrame(false, MiB));
  // Unpaused, the server takes it all at once; paused, most stays with the client.
  await assert.rejects(waitFor(() => client.socket.writableLength === 0, 'the client to write everything', 3000));
  assert.ok(client.socket.writableLength > 32 * MiB, `the client still holds ${client.socket.writableLength} bytes`);

  held.shift()!.end('1');
  const end = await server.waitForLog(sessionEnd(/publish refused: on_connect/));
  assert.ok(Number(end.received) < 16 * MiB, `the server read only ${end.received} bytes`);
  await client.closedByServer();
});

test('a client that connects and then neither publishes nor plays is closed, and so is one that stops and idles', async () => {
  const idle = await TestRtmpClient.open(server.rtmpPort, 'live');
  await idle.closedByServer(10_000);
  await server.waitForLog(sessionEnd(/^no publish or play within 2000 ms$/));

  const done = await TestRtmpClient.open(server.rtmpPort, 'live');
  assert.equal(await done.publish('brief'), 'NetStream.Publish.Start');
  done.sendMedia(9, 0, AVC_HEADER);
  done.command('FCUnpublish', 1, 'brief');
  done.command('deleteStream', 0, 1);
  await done.closedByServer(10_000);
  assert.ok(server.logs().filter(sessionEnd(/^no publish or play within/)).length >= 2);
});

test('clients not yet admitted have their own budget: the fifth is refused, admitted ones are untouched', async () => {
  const idle = await Promise.all([1, 2, 3, 4].map(() => TestRtmpClient.open(server.rtmpPort, 'live')));
  for (const client of idle) assert.ok(client.commands.some((c) => c.name === '_result'));
  const fifth = await TestRtmpClient.open(server.rtmpPort, 'live');
  const refusal = fifth.commands.find((c) => c.name === '_error')?.args[0] as { code?: string; description?: string } | undefined;
  assert.equal(refusal?.code, 'NetConnection.Connect.Rejected');
  assert.match(String(refusal?.description), /max_pending_connections 4/);
  await fifth.closedByServer();

  // Once the idle ones are closed for doing nothing, there is room again.
  await Promise.all(idle.map((client) => client.closedByServer(10_000)));
  const later = await TestRtmpClient.open(server.rtmpPort, 'live');
  assert.equal(await later.play('healthy'), 'NetStream.Play.Start');
  later.close();
});

test('a handshake timeout is logged at info level, with the timeout that fired', async () => {
  const socket = connect(server.rtmpPort, '127.0.0.1');
  socket.on('error', () => {});
  await once(socket, 'close');
  await server.waitForLog(sessionEnd(/^no RTMP connect within 2000 ms$/));
  const mentions = server.logs().filter((line) => /no RTMP connect/.test(String(line.err ?? line.reason)));
  assert.deepEqual(new Set(mentions.map((line) => line.level)), new Set([30]), 'info, never an error');
});

test('a publisher that goes silent is closed by normal_timeout, and the log names that timeout', async () => {
  const quiet = await TestRtmpClient.open(server.rtmpPort, 'live');
  assert.equal(await quiet.publish('quiet'), 'NetStream.Publish.Start');
  quiet.sendMedia(9, 0, AVC_HEADER);
  quiet.sendMedia(9, 0, videoFrame(true, 100));
  await quiet.closedByServer(10_000);
  await server.waitForLog(sessionEnd(/^publisher sent nothing for 1000 ms$/));
});

test('a publisher that takes over a stream kept by a waiting player is held to normal_timeout too', async () => {
  const player = await TestRtmpClient.open(server.rtmpPort, 'live', { keepMedia: false });
  assert.equal(await player.play('again'), 'NetStream.Play.Start');
  for (let round = 0; round < 2; round++) {
    const source = await TestRtmpClient.open(server.rtmpPort, 'live');
    assert.equal(await source.publish('again'), 'NetStream.Publish.Start');
    source.sendMedia(9, 0, AVC_HEADER);
    source.sendMedia(9, 0, videoFrame(true, 100));
    await source.closedByServer(10_000);
  }
  const ends = server.logs().filter((line) => line.msg === 'session end' && /^publisher sent nothing/.test(String(line.reason)));
  assert.deepEqual(ends.slice(-2).map((line) => line.reason), Array(2).fill('publisher sent nothing for 1000 ms'));
  player.close();
});

test("the server's own pause (a long garbage collection, a heap snapshot) is not taken for the publisher's silence", async () => {
  // The event loop blocked from a timer for longer than normal_timeout, as a heap snapshot blocks
  // it: when it returns, timers run before the socket's waiting bytes are read.
  await new Promise<void>((resolve) => {
    setTimeout(() => {
      const until = Date.now() + 2500;
      while (Date.now() < until);
      resolve();
    }, 0);
  });
  const before = watcher.mediaBytes;
  await watcher.waitUntil(() => watcher.mediaBytes > before + 20_000, 10_000, 'media after the pause');
  const healthyStopped = server.logs().filter((line) => line.stream === 'live/healthy' && (line.msg === 'publish stop' || /^publisher sent nothing/.test(String(line.reason))));
  assert.deepEqual(healthyStopped, []);
});

test('the healthy publisher and player never noticed, and nothing was logged as a server error', async () => {
  const before = watcher.mediaBytes;
  await watcher.waitUntil(() => watcher.mediaBytes > before + 20_000, 10_000, 'more media');
  assert.ok(!watcher.closed);
  assert.equal(publisher.child.exitCode, null, 'the publisher is still running');
  const errors = server.logs().filter((line) => Number(line.level) >= 50);
  assert.deepEqual(errors, []);
});
