import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { bytesSent, DirectWriter, heldWrites } from '../../../src/servers/direct-write.js';
import { byteLength, collect, numbered } from '../../support/numbered-bytes.js';
import { socketPair } from '../../support/socket-pair.js';

interface Peer {
  server: Socket;
  client: Socket;
  writer: DirectWriter;
  received: ReturnType<typeof collect>;
}

/** Runs `body` on `count` loopback pairs, each written through a `DirectWriter`, all read back; closes them after. */
async function withPeers(count: number, body: (peers: Peer[]) => Promise<void>): Promise<void> {
  const pairs = await Promise.all(Array.from({ length: count }, () => socketPair()));
  try {
    await body(pairs.map(({ server, client }) => ({ server, client, writer: new DirectWriter(server), received: collect(client) })));
  } finally {
    for (const pair of pairs) pair.close();
  }
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
  await withPeers(5, async (peers) => {
    const shared = numbered(1, 3000);
    const own = numbered(2, 700);
    heldWrites.begin();
    peers.slice(0, 4).forEach(({ writer }) => writer.write(shared));
    peers[4]!.writer.write(own); // bytes of its own: a run of one
    assert.equal(await arrivesSoon(peers[0]!.client), false, 'nothing is sent before the flush ends');
    heldWrites.end();
    for (let i = 0; i < 4; i++) assert.ok((await peers[i]!.received.until(shared.length, 'the shared bytes')).equals(shared));
    assert.ok((await peers[4]!.received.until(own.length, 'its own bytes')).equals(own));
    peers.forEach(({ server }, i) => assert.equal(bytesSent(server), i < 4 ? shared.length : own.length));
    assert.ok(peers.every(({ server }) => server.bytesWritten === 0), 'all of it went around the stream');
  });
});

test('another write to a holding writer sends what it held first; a write through the stream meanwhile goes before it', async () => {
  await withPeers(2, async ([a, b]) => {
    const first = numbered(10, 500);
    const second = numbered(11, 600);
    const third = numbered(12, 700);
    heldWrites.begin();
    a!.writer.write(first);
    a!.writer.writeAll([second, third]); // sends what it held first
    b!.writer.write(first);
    // Written through Node while B holds (the hub never does this during a flush): the held
    // bytes go behind it, whole, never into the middle of it.
    b!.server.write(second);
    heldWrites.end();
    const expectedA = [first, second, third];
    assert.ok((await a!.received.until(byteLength(expectedA), 'A')).equals(Buffer.concat(expectedA)));
    const expectedB = [second, first];
    assert.ok((await b!.received.until(byteLength(expectedB), 'B')).equals(Buffer.concat(expectedB)));
    assert.equal(bytesSent(a!.server), byteLength(expectedA));
    assert.equal(bytesSent(b!.server), byteLength(expectedB));
  });
});

test('flushes nest: only the outermost end sends; a writer destroyed meanwhile is skipped', async () => {
  await withPeers(2, async ([kept, dropped]) => {
    const bytes = numbered(20, 900);
    heldWrites.begin();
    heldWrites.begin();
    kept!.writer.write(bytes);
    dropped!.writer.write(bytes);
    heldWrites.end();
    assert.equal(await arrivesSoon(kept!.client), false, 'the inner end sends nothing');
    dropped!.server.destroy();
    heldWrites.end();
    assert.ok((await kept!.received.until(bytes.length, 'the kept bytes')).equals(bytes));
    assert.equal(bytesSent(dropped!.server), 0);
  });
});

test('HTTP chunks are held like raw bytes, framed once per run, and never joined with raw writes', async () => {
  await withPeers(3, async (peers) => {
    const bytes = numbered(40, 1500);
    const chunk = Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n')]);
    heldWrites.begin();
    peers[0]!.writer.writeChunk([bytes]);
    peers[1]!.writer.writeChunk([bytes]);
    peers[2]!.writer.write(bytes); // the same buffer, raw: a run of its own
    assert.equal(await arrivesSoon(peers[0]!.client), false, 'held until the flush ends');
    heldWrites.end();
    for (let i = 0; i < 2; i++) assert.ok((await peers[i]!.received.until(chunk.length, 'the chunk')).equals(chunk));
    assert.ok((await peers[2]!.received.until(bytes.length, 'the raw bytes')).equals(bytes));
    assert.equal(bytesSent(peers[0]!.server), chunk.length);
  });
});

test('outside a flush a write goes at once', async () => {
  await withPeers(1, async ([peer]) => {
    const bytes = numbered(30, 100);
    peer!.writer.write(bytes);
    assert.equal(bytesSent(peer!.server), bytes.length, 'sent before the call returned');
    assert.ok((await peer!.received.until(bytes.length, 'the bytes')).equals(bytes));
  });
});
