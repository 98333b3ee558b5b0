import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { SendPacer } from '../../../src/servers/webrtc/send-pacer.js';
import { waitFor } from '../../support/wait.js';

/** About `ms` of CPU, as protecting and sending a slice of packets costs. */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

// libuv reads at most 32 datagrams per turn of the event loop: sends run in one block would leave
// the viewers' consent checks in the receive buffer until the block ends (or the kernel drops them).
test('datagrams waiting on the socket are read between slices of a long run of sends', async () => {
  const server = createSocket('udp4');
  server.bind(0, '127.0.0.1');
  await once(server, 'listening');
  let received = 0;
  server.on('message', () => received++);
  const client = createSocket('udp4');
  const checks = 200; // what a default receive buffer (208 KiB) holds of 100-byte datagrams
  for (let i = 0; i < checks; i++) client.send(Buffer.alloc(100), server.address().port, '127.0.0.1');
  await once(client, 'listening').catch(() => undefined);
  const pacer = new SendPacer((error) => assert.fail(String(error)));
  const seenAtEnd = new Promise<number>((resolve) => {
    const sends = 6400;
    let flushed = 0;
    const sender = {
      flush: () => {
        busy(0.02);
        if (++flushed === sends) resolve(received);
      },
    };
    for (let i = 0; i < sends; i++) pacer.add(sender, Buffer.alloc(0), false);
  });
  try {
    assert.equal(await seenAtEnd, checks, 'every datagram was read before the sends were done');
    assert.equal(pacer.queued, 0);
  } finally {
    client.close();
    server.close();
  }
});

test('each sender gets its packets back in the order queued, with their kind, across slices', async () => {
  const pacer = new SendPacer((error) => assert.fail(String(error)));
  const sender = (got: Array<[number, boolean]>) => ({ flush: (packet: Buffer, rtcp: boolean) => got.push([packet.readUInt16BE(0), rtcp]) });
  const got = { a: [] as Array<[number, boolean]>, b: [] as Array<[number, boolean]> };
  const queued = { a: [] as Array<[number, boolean]>, b: [] as Array<[number, boolean]> };
  const a = sender(got.a);
  const b = sender(got.b);
  // More than the 4096 entries after which done entries are cut off the front of the queue.
  for (let i = 0; i < 5000; i++) {
    const packet = Buffer.alloc(2);
    packet.writeUInt16BE(i);
    const rtcp = i % 7 === 0;
    const [name, to] = i % 3 === 0 ? (['a', a] as const) : (['b', b] as const);
    queued[name].push([i, rtcp]);
    pacer.add(to, packet, rtcp);
  }
  assert.equal(pacer.queued, 5000);
  await waitFor(() => pacer.queued === 0, 'the queue drained');
  assert.deepEqual(got, queued);
});
