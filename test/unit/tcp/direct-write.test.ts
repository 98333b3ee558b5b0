import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { bytesSent, DirectWriter } from '../../../src/servers/direct-write.js';
import { byteLength, collect, numbered } from '../../support/numbered-bytes.js';
import { socketPair } from '../../support/socket-pair.js';

/** The paused reader resumes: it must read exactly `expected`, in order, and every byte of it counts as sent. */
async function readsBack(server: Socket, client: Socket, expected: readonly Buffer[]): Promise<void> {
  const received = collect(client);
  client.resume();
  const total = byteLength(expected);
  assert.ok((await received.until(total, 'all the bytes')).equals(Buffer.concat(expected)));
  assert.equal(bytesSent(server), total);
}

test('bytes written around the stream and through it arrive whole and in order, and are counted', async () => {
  const { server, client, close } = await socketPair();
  try {
    const writer = new DirectWriter(server);
    const expected: Buffer[] = [];
    const received = collect(client);
    for (let n = 0; n < 200; n++) {
      // Control messages of the protocol still go through the stream, in between.
      if (n % 10 === 5) {
        const control = numbered(1000 + n, 12);
        expected.push(control);
        server.write(control);
      }
      const bytes = numbered(n, 1000 + n);
      expected.push(bytes);
      writer.write(bytes);
    }
    const total = byteLength(expected);
    assert.ok((await received.until(total, 'all the bytes')).equals(Buffer.concat(expected)));
    assert.equal(bytesSent(server), total);
    assert.ok(server.bytesWritten < total, 'bytes went around the stream');
  } finally {
    close();
  }
});

test('a reader that stops reading gets the rest queued in the stream, in order, and its backlog shows', async () => {
  const { server, client, close } = await socketPair();
  try {
    const writer = new DirectWriter(server);
    client.pause();
    const expected: Buffer[] = [];
    // Far more than the kernel's buffers on both sides hold: the rest must queue in Node.
    for (let n = 0; n < 400 && server.writableLength === 0; n++) {
      const bytes = numbered(n, 64 * 1024);
      expected.push(bytes);
      writer.write(bytes);
    }
    assert.ok(server.writableLength > 0, 'the kernel stopped taking bytes and Node holds the rest');
    for (let n = 400; n < 410; n++) {
      const bytes = numbered(n, 5000);
      expected.push(bytes);
      writer.write(bytes);
    }
    await readsBack(server, client, expected);
  } finally {
    close();
  }
});

test('several buffers go as one write, in order, also more than one sendmsg takes and past a full kernel buffer', async () => {
  const { server, client, close } = await socketPair();
  try {
    const writer = new DirectWriter(server);
    client.pause();
    const expected: Buffer[] = [];
    // 2500 small parts (three sendmsg calls), then parts large enough to fill the kernel's buffers.
    const small = Array.from({ length: 2500 }, (_, n) => numbered(n, 40));
    const large = Array.from({ length: 100 }, (_, n) => numbered(5000 + n, 64 * 1024));
    writer.writeAll(small);
    writer.writeAll(large);
    expected.push(...small, ...large);
    assert.ok(server.writableLength > 0, 'the rest waits in Node');
    const tail = numbered(9999, 100);
    writer.write(tail);
    expected.push(tail);
    await readsBack(server, client, expected);
  } finally {
    close();
  }
});

test('a destroyed socket is never written, and a closed peer ends the socket as a normal write would', async () => {
  const { server, client, close } = await socketPair();
  try {
    const writer = new DirectWriter(server);
    server.on('error', () => {});
    client.destroy();
    // Writes into a connection the peer has reset: the error reaches Node's stream, which ends it.
    for (let i = 0; i < 50 && !server.destroyed; i++) {
      writer.write(numbered(i, 64 * 1024));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.ok(server.destroyed);
    const before = bytesSent(server);
    writer.write(numbered(1, 100));
    assert.equal(bytesSent(server), before);
  } finally {
    close();
  }
});
