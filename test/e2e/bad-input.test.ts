import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { ClientHandshake } from '../../src/protocols/rtmp/handshake.js';
import { publishTestPattern, type RunningProcess } from '../support/ffmpeg.js';
import { TestRtmpClient } from '../support/rtmp-client.js';
import { scrape, valueOf } from '../support/prometheus.js';
import { startTestServer, type TestServer } from '../support/server.js';

// Every bad client below runs while a healthy publisher and player stream; the last test checks
// that they never noticed.
let server: TestServer;
let publisher: RunningProcess;
let watcher: TestRtmpClient;

before(async () => {
  server = await startTestServer({
    handshake_timeout: 1,
    vhosts: { __defaultVhost__: { play: { queue_length: 1 }, publish: { firstpkt_timeout: 1000, normal_timeout: 1000 } } },
  });
  publisher = publishTestPattern(server.rtmpUrl('live/healthy'), 60);
  await server.waitForLog((line) => line.msg === 'publish start' && line.stream === 'live/healthy');
  watcher = await TestRtmpClient.open(server.rtmpPort, 'live', { keepMedia: false });
  await watcher.play('healthy');
});

after(async () => {
  watcher.close();
  await publisher.stop();
  await server.close();
});

interface RawClient {
  socket: Socket;
  closed: Promise<void>;
}

async function openRaw(handshake: boolean): Promise<RawClient> {
  const socket = connect(server.rtmpPort, '127.0.0.1');
  socket.on('error', () => {});
  const closed = once(socket, 'close').then(() => undefined);
  await once(socket, 'connect');
  if (handshake) {
    const client = new ClientHandshake();
    socket.write(client.start());
    await new Promise<void>((resolve) => {
      const onData = (data: Buffer): void => {
        const step = client.feed(data);
        if (step.reply) socket.write(step.reply);
        if (step.done) {
          socket.off('data', onData);
          resolve();
        }
      };
      socket.on('data', onData);
    });
  }
  socket.resume();
  return { socket, closed };
}

/** A chunk with a full (fmt 0) header on chunk stream `csid` (2..63) and the given body. */
function fmt0Chunk(csid: number, declaredLength: number, type: number, body: Buffer): Buffer {
  const header = Buffer.alloc(12);
  header[0] = csid;
  header.writeUIntBE(0, 1, 3);
  header.writeUIntBE(declaredLength, 4, 3);
  header[7] = type;
  header.writeUInt32LE(0, 8);
  return Buffer.concat([header, body]);
}

async function expectClosedWithLog(client: RawClient, pattern: RegExp): Promise<void> {
  await client.closed;
  await server.waitForLog((line) => typeof line.err === 'string' && pattern.test(line.err) || typeof line.reason === 'string' && pattern.test(line.reason));
}

test('garbage instead of a handshake is refused with a log line', async () => {
  const client = await openRaw(false);
  client.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  await expectClosedWithLog(client, /not an RTMP handshake/);
});

test('a truncated handshake and a silent client are closed after the handshake timeout', async () => {
  const truncated = await openRaw(false);
  truncated.socket.write(Buffer.alloc(200, 3));
  const silent = await openRaw(false);
  await Promise.all([truncated.closed, silent.closed]);
  await server.waitForLog((line) => typeof line.reason === 'string' && /no RTMP connect within/.test(line.reason));
});

test('a chunk declaring a 16 MiB message is refused before anything is allocated', async () => {
  const client = await openRaw(true);
  client.socket.write(fmt0Chunk(3, 0xffffff, 9, Buffer.alloc(128)));
  await expectClosedWithLog(client, /16777215|too large|exceeds/i);
});

test('thousands of chunk stream ids are refused', async () => {
  const client = await openRaw(true);
  const chunks: Buffer[] = [];
  for (let csid = 64; csid < 64 + 3000; csid++) {
    // Two-byte basic header: fmt 0, csid 0 marker, then csid - 64.
    const basic = Buffer.from([0, (csid - 64) & 0xff]);
    if (csid - 64 > 255) continue;
    const header = Buffer.alloc(11);
    header.writeUIntBE(1000, 3, 3);
    header[6] = 9;
    chunks.push(basic, header, Buffer.alloc(10));
  }
  for (let csid = 320; csid < 320 + 2000; csid++) {
    const id = csid - 64;
    const basic = Buffer.from([1, id & 0xff, id >> 8]);
    const header = Buffer.alloc(11);
    header.writeUIntBE(1000, 3, 3);
    header[6] = 9;
    chunks.push(basic, header, Buffer.alloc(10));
  }
  client.socket.write(Buffer.concat(chunks));
  await expectClosedWithLog(client, /chunk stream/i);
});

for (const size of [0, 2 ** 31]) {
  test(`a set chunk size of ${size} is refused`, async () => {
    const client = await openRaw(true);
    const payload = Buffer.alloc(4);
    payload.writeUInt32BE(size >>> 0);
    client.socket.write(fmt0Chunk(2, 4, 1, payload));
    await expectClosedWithLog(client, /chunk size/i);
  });
}

test('a command with malformed AMF is refused', async () => {
  const client = await openRaw(true);
  const garbage = Buffer.from([0x02, 0x00, 0x07, 0x63, 0x6f, 0x6e, 0x6e, 0x65, 0x63, 0x74, 0x00, 0x3f, 0xf0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0xff, 0x61]);
  client.socket.write(fmt0Chunk(3, garbage.length, 20, garbage));
  await expectClosedWithLog(client, /truncated|AMF|marker/i);
});

test('unsafe stream and app names are refused at publish and play', async () => {
  for (const name of ['a..b', 'x\u0001y', 'n'.repeat(300)]) {
    const publisherClient = await TestRtmpClient.open(server.rtmpPort, 'live');
    assert.equal(await publisherClient.publish(name), 'NetStream.Publish.Rejected', name);
    const status = publisherClient.commands.find((c) => c.name === 'onStatus')!.args[0] as { description: string };
    assert.match(status.description, /stream name/, 'the refusal says why');
    await publisherClient.closedByServer();
    const player = await TestRtmpClient.open(server.rtmpPort, 'live');
    assert.equal(await player.play(name), 'NetStream.Play.Failed', name);
    await player.closedByServer();
  }
  const response = await fetch(server.httpUrl('live/a%01b.flv'));
  assert.equal(response.status, 403);
  assert.match(await response.text(), /control character/);
  const refused = server.logs().filter((line) => /refused/.test(String(line.msg)));
  assert.ok(refused.some((line) => /must not contain/.test(String(line.reason))));
});

test('a publisher that sends no media is closed after the publish timeout', async () => {
  const silent = await TestRtmpClient.open(server.rtmpPort, 'live');
  assert.equal(await silent.publish('silent'), 'NetStream.Publish.Start');
  await silent.closedByServer(5000);
  await server.waitForLog((line) => line.reason === 'publisher sent nothing for 1000 ms');
});

test('a player that stops reading is dropped without slowing the others', async () => {
  const source = await TestRtmpClient.open(server.rtmpPort, 'live');
  assert.equal(await source.publish('firehose'), 'NetStream.Publish.Start');
  const stuck = await TestRtmpClient.open(server.rtmpPort, 'live', { keepMedia: false });
  await stuck.play('firehose');
  stuck.socket.pause();
  const reading = await TestRtmpClient.open(server.rtmpPort, 'live', { keepMedia: false });
  await reading.play('firehose');

  // 100 KiB frames, a keyframe every 10, far faster than real time, until the stuck player is
  // dropped (at most 2000 frames, about 200 MB).
  const frame = (key: boolean): Buffer => Buffer.concat([Buffer.from([key ? 0x17 : 0x27, 1, 0, 0, 0]), Buffer.alloc(100 * 1024, 7)]);
  const header = Buffer.from([0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1f, 0xff, 0xe1, 0, 0]);
  source.sendMedia(9, 0, header);
  const dropped = (): boolean => server.logs().some((line) => typeof line.reason === 'string' && /too slow/.test(line.reason));
  for (let i = 0; i < 2000 && !dropped(); i++) {
    source.sendMedia(9, i * 40, frame(i % 10 === 0));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.ok(dropped(), 'the stuck player was disconnected with a log line');
  assert.ok(reading.mediaBytes > 10 * 1024 * 1024, `the reading player got ${reading.mediaBytes} bytes`);
  assert.ok(!reading.closed);
  // Metrics show it: frames skipped for the stuck player, then its disconnection.
  const samples = await scrape(`http://127.0.0.1:${server.apiPort}/metrics`);
  assert.ok(valueOf(samples, 'sluice_slow_reader_disconnects_total') >= 1);
  assert.ok(valueOf(samples, 'sluice_frames_dropped_total') > 0);
  for (const c of [source, stuck, reading]) c.close();
});

test('the healthy publisher and player never noticed', async () => {
  const before = watcher.mediaBytes;
  await watcher.waitUntil(() => watcher.mediaBytes > before + 20_000, 10_000, 'more media');
  assert.ok(!watcher.closed);
  assert.equal(publisher.child.exitCode, null, 'the publisher is still running');
});

test('connections beyond max_connections are refused politely', async () => {
  const small = await startTestServer({ max_connections: 2, max_pending_connections: 3 });
  try {
    const clients = [await TestRtmpClient.open(small.rtmpPort, 'live'), await TestRtmpClient.open(small.rtmpPort, 'live')];
    const third = await TestRtmpClient.open(small.rtmpPort, 'live');
    const refusal = third.commands.find((c) => c.name === '_error');
    assert.equal((refusal?.args[0] as { code?: string }).code, 'NetConnection.Connect.Rejected');
    assert.match(String((refusal?.args[0] as { description?: string }).description), /max_connections 2/);
    await third.closedByServer();
    for (const c of clients) c.close();
  } finally {
    await small.close();
  }
});
