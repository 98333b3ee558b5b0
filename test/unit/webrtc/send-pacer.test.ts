import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { SendPacer } from '../../../src/servers/webrtc/send-pacer.js';

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
    for (let i = 0; i < sends; i++) pacer.add(() => (busy(0.02), i === sends - 1 && resolve(received)));
  });
  try {
    assert.equal(await seenAtEnd, checks, 'every datagram was read before the sends were done');
    assert.equal(pacer.queued, 0);
  } finally {
    client.close();
    server.close();
  }
});
