import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { bytesSent, DirectWriter, heldWrites } from '../../../src/servers/direct-write.js';
import { byteLength, collect, numbered } from '../../support/numbered-bytes.js';

/** `count` connected loopback pairs on one listener: each `server` side is written to, its `client` reads. */
async function socketPairs(count: number): Promise<{ pairs: Array<{ server: Socket; client: Socket }>; close: () => void }> {
  const listener: Server = createServer();
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const pairs: Array<{ server: Socket; client: Socket }> = [];
  for (let i = 0; i < count; i++) {
    const accepted = once(listener, 'connection');
    const client = connect((listener.address() as { port: number }).port, '127.0.0.1');
    const [server] = (await accepted) as [Socket];
    await once(client, 'connect');
    pairs.push({ server, client });
  }
  const close = (): void => {
    for (const { server, client } of pairs) server.destroy(), client.destroy();
    listener.close();
  };
  return { pairs, close };
}

/** Whether anything reaches `client` within a few turns of the loop. */
async function arrivesSoon(client: Socket): Promise<boolean> {
  let arrived = false;
  const onData = (): void => void (arrived = true);
  client.on('data', onData);
  for (let turn = 0; turn < 20 && !arrived; turn++) await nextTurn();
  client.off('data', onData);
  return arrived;
}

test('writes of one flush are held until its end, then every socket gets its bytes, counted', async () => {
  const { pairs, close } = await socketPairs(5);
  try {
    const writers = pairs.map(({ server }) => new DirectWriter(server));
    const received = pairs.map(({ client }) => collect(client));
    const shared = numbered(1, 3000);
    const own = numbered(2, 700);
    heldWrites.begin();
    writers.slice(0, 4).forEach((writer) => writer.write(shared));
    writers[4]!.write(own); // bytes of its own: a run of one
    assert.equal(await arrivesSoon(pairs[0]!.client), false, 'nothing is sent before the flush ends');
    heldWrites.end();
    for (let i = 0; i < 4; i++) assert.ok((await received[i]!.until(shared.length, 'the shared bytes')).equals(shared));
    assert.ok((await received[4]!.until(own.length, 'its own bytes')).equals(own));
    pairs.forEach(({ server }, i) => assert.equal(bytesSent(server), i < 4 ? shared.length : own.length));
    assert.ok(pairs.every(({ server }) => server.bytesWritten === 0), 'all of it went around the stream');
  } finally {
    close();
  }
});

test('another write to a holding writer sends what it held first; a write through the stream meanwhile goes before it', async () => {
  const { pairs, close } = await socketPairs(2);
  try {
    const [a, b] = pairs.map(({ server }) => new DirectWriter(server)) as [DirectWriter, DirectWriter];
    const receivedA = collect(pairs[0]!.client);
    const receivedB = collect(pairs[1]!.client);
    const first = numbered(10, 500);
    const second = numbered(11, 600);
    const third = numbered(12, 700);
    heldWrites.begin();
    a.write(first);
    a.writeAll([second, third]); // sends what it held first
    b.write(first);
    // Written through Node while B holds (the hub never does this during a flush): the held
    // bytes go behind it, whole, never into the middle of it.
    pairs[1]!.server.write(second);
    heldWrites.end();
    const expectedA = [first, second, third];
    assert.ok((await receivedA.until(byteLength(expectedA), 'A')).equals(Buffer.concat(expectedA)));
    const expectedB = [second, first];
    assert.ok((await receivedB.until(byteLength(expectedB), 'B')).equals(Buffer.concat(expectedB)));
    assert.equal(bytesSent(pairs[0]!.server), byteLength(expectedA));
    assert.equal(bytesSent(pairs[1]!.server), byteLength(expectedB));
  } finally {
    close();
  }
});

test('flushes nest: only the outermost end sends; a writer destroyed meanwhile is skipped', async () => {
  const { pairs, close } = await socketPairs(2);
  try {
    const [kept, dropped] = pairs.map(({ server }) => new DirectWriter(server)) as [DirectWriter, DirectWriter];
    const received = collect(pairs[0]!.client);
    const bytes = numbered(20, 900);
    heldWrites.begin();
    heldWrites.begin();
    kept.write(bytes);
    dropped.write(bytes);
    heldWrites.end();
    assert.equal(await arrivesSoon(pairs[0]!.client), false, 'the inner end sends nothing');
    pairs[1]!.server.destroy();
    heldWrites.end();
    assert.ok((await received.until(bytes.length, 'the kept bytes')).equals(bytes));
    assert.equal(bytesSent(pairs[1]!.server), 0);
  } finally {
    close();
  }
});

test('HTTP chunks are held like raw bytes, framed once per run, and never joined with raw writes', async () => {
  const { pairs, close } = await socketPairs(3);
  try {
    const writers = pairs.map(({ server }) => new DirectWriter(server));
    const received = pairs.map(({ client }) => collect(client));
    const bytes = numbered(40, 1500);
    const chunk = Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n')]);
    heldWrites.begin();
    writers[0]!.writeChunk([bytes]);
    writers[1]!.writeChunk([bytes]);
    writers[2]!.write(bytes); // the same buffer, raw: a run of its own
    assert.equal(await arrivesSoon(pairs[0]!.client), false, 'held until the flush ends');
    heldWrites.end();
    for (let i = 0; i < 2; i++) assert.ok((await received[i]!.until(chunk.length, 'the chunk')).equals(chunk));
    assert.ok((await received[2]!.until(bytes.length, 'the raw bytes')).equals(bytes));
    assert.equal(bytesSent(pairs[0]!.server), chunk.length);
  } finally {
    close();
  }
});

test('outside a flush a write goes at once', async () => {
  const { pairs, close } = await socketPairs(1);
  try {
    const writer = new DirectWriter(pairs[0]!.server);
    const received = collect(pairs[0]!.client);
    const bytes = numbered(30, 100);
    writer.write(bytes);
    assert.equal(bytesSent(pairs[0]!.server), bytes.length, 'sent before the call returned');
    assert.ok((await received.until(bytes.length, 'the bytes')).equals(bytes));
  } finally {
    close();
  }
});
