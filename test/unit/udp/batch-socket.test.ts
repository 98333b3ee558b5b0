import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { sizeReceiveBuffer } from '../../../src/servers/listen.js';
import { BatchUdpSocket, bindBatchUdp, type NativePeer, type UdpBatchAddon, type UdpPeer } from '../../../src/servers/udp-socket.js';
import { loadNative } from '../../../src/util/native-addon.js';
import { waitFor } from '../../support/wait.js';

interface Received {
  datagram: Buffer;
  peer: UdpPeer;
}

/** The addon, with its batch callback counted: how many JavaScript calls the datagrams took. */
function countingAddon(): { addon: UdpBatchAddon; calls: () => number } {
  const real = loadNative<UdpBatchAddon>('udp-batch');
  let calls = 0;
  const UdpBatch = function (ipv6: boolean, maxDatagram: number, onBatch: (pool: Buffer, start: number, count: number, fresh: NativePeer[] | undefined) => void) {
    return new real.UdpBatch(ipv6, maxDatagram, (pool, start, count, fresh) => {
      calls++;
      onBatch(pool, start, count, fresh);
    });
  } as unknown as UdpBatchAddon['UdpBatch'];
  return { addon: { UdpBatch, sockaddr: real.sockaddr }, calls: () => calls };
}

function collector(): { received: Received[]; onMessage: (datagram: Buffer, peer: UdpPeer) => void } {
  const received: Received[] = [];
  return { received, onMessage: (datagram, peer) => received.push({ datagram: Buffer.from(datagram), peer }) };
}

const numbered = (i: number, size = 32): Buffer => Buffer.alloc(size, i % 251).fill(`#${i}`, 0, `#${i}`.length);

test('datagrams sent in one turn arrive in order, in batches of up to 64 per JavaScript call, with one peer object per source', async () => {
  const { addon, calls } = countingAddon();
  const server = collector();
  const socket = new BatchUdpSocket(addon, '127.0.0.1', 0, { onMessage: server.onMessage });
  const client = await bindBatchUdp('127.0.0.1', 0, { onMessage: () => {} });
  try {
    socket.setRecvBufferSize(1 << 20); // room for the whole burst (a full buffer drops datagrams)
    const target = { address: '127.0.0.1', port: socket.port };
    const sent = Array.from({ length: 150 }, (_, i) => numbered(i, 20 + (i % 7) * 30));
    // 150 in one turn: one sendmmsg, read as 64 + 64 + 22 in the same wakeup.
    for (const datagram of sent) client.send(datagram, target);
    await waitFor(() => server.received.length === 150, '150 datagrams');
    assert.deepEqual(server.received.map((r) => r.datagram), sent);
    assert.equal(calls(), 3);
    const peer = server.received[0]!.peer;
    assert.deepEqual({ address: peer.address, family: peer.family, port: peer.port }, { address: '127.0.0.1', family: 'IPv4', port: client.port });
    assert.ok(server.received.every((r) => r.peer === peer), 'the same source is the same object');
  } finally {
    socket.close();
    client.close();
  }
});

test('peers are told apart, and a reply in the same turn reaches each (sendmmsg to several addresses)', async () => {
  const server = await bindBatchUdp('127.0.0.1', 0, { onMessage: (datagram, peer) => server.send(Buffer.concat([Buffer.from('re:'), datagram]), peer) });
  const clients = await Promise.all([0, 1, 2].map(async () => {
    const got: Buffer[] = [];
    const socket = await bindBatchUdp('127.0.0.1', 0, { onMessage: (datagram) => got.push(Buffer.from(datagram)) });
    return { socket, got };
  }));
  try {
    const target = { address: '127.0.0.1', port: server.port };
    for (let i = 0; i < 30; i++) for (const [n, c] of clients.entries()) c.socket.send(Buffer.from(`c${n}-${i}`), target);
    await waitFor(() => clients.every((c) => c.got.length === 30), 'every reply');
    for (const [n, c] of clients.entries()) assert.deepEqual(c.got.map(String), Array.from({ length: 30 }, (_, i) => `re:c${n}-${i}`));
  } finally {
    server.close();
    for (const c of clients) c.socket.close();
  }
});

/** The addon's peer-table slot of 127.0.0.1:port (its hash, as batch_socket.cc computes it on little-endian Linux). */
function loopbackSlot(port: number): number {
  const address = 0x0100007f; // 127.0.0.1 as the kernel stores it, read as a little-endian word
  const networkPort = ((port & 0xff) << 8) | (port >> 8);
  const hash = (address ^ (networkPort << 16)) >>> 0;
  return Math.floor((Number(BigInt(hash) * 2654435761n & 0xffffffffn)) / 2 ** 22);
}

test('two sources sharing a peer-table slot in one batch are each told apart', async () => {
  const server = collector();
  const socket = await bindBatchUdp('127.0.0.1', 0, { onMessage: server.onMessage });
  // Enough clients that two of them land in one of the table's 1024 slots.
  const clients = await Promise.all(Array.from({ length: 160 }, () => bindBatchUdp('127.0.0.1', 0, { onMessage: () => {} })));
  try {
    const bySlot = new Map<number, BatchUdpSocket>();
    let pair: [BatchUdpSocket, BatchUdpSocket] | undefined;
    for (const client of clients) {
      const other = bySlot.get(loopbackSlot(client.port));
      if (other) pair = [other, client];
      bySlot.set(loopbackSlot(client.port), client);
    }
    assert.ok(pair, 'two clients share a slot');
    const [a, b] = pair;
    // Sent in one turn, read in one batch: a, b, a, b.
    for (let i = 0; i < 2; i++) for (const client of [a, b]) client.send(Buffer.from(String(client.port)), { address: '127.0.0.1', port: socket.port });
    await waitFor(() => server.received.length === 4, 'four datagrams');
    for (const { datagram, peer } of server.received) assert.equal(peer.port, Number(String(datagram)), 'each datagram carries its own source');
  } finally {
    socket.close();
    for (const client of clients) client.close();
  }
});

test('IPv6: a socket on ::1 reads IPv6 peers, and a dual-stack one maps IPv4 peers as node:dgram does', async () => {
  const v6 = collector();
  const socket = await bindBatchUdp('::1', 0, { onMessage: v6.onMessage });
  const client = createSocket('udp6');
  const dual = collector();
  const wildcard = await bindBatchUdp('::', 0, { onMessage: dual.onMessage });
  const v4client = createSocket('udp4');
  try {
    await new Promise<void>((resolve) => client.bind(0, '::1', resolve));
    client.send(Buffer.from('six'), socket.port, '::1');
    v4client.send(Buffer.from('four'), wildcard.port, '127.0.0.1');
    await waitFor(() => v6.received.length === 1 && dual.received.length === 1, 'both datagrams');
    assert.equal(String(v6.received[0]!.datagram), 'six');
    assert.deepEqual({ ...v6.received[0]!.peer, sockaddr: undefined }, { address: '::1', family: 'IPv6', port: client.address().port, sockaddr: undefined });
    assert.equal(dual.received[0]!.peer.address, '::ffff:127.0.0.1');
    // Answers go back to both, the IPv4 one v4-mapped.
    const answers: string[] = [];
    client.on('message', (m) => answers.push(String(m)));
    v4client.on('message', (m) => answers.push(String(m)));
    socket.send(Buffer.from('to six'), v6.received[0]!.peer);
    wildcard.send(Buffer.from('to four'), { address: '127.0.0.1', port: v4client.address().port });
    await waitFor(() => answers.length === 2, 'both answers');
    assert.deepEqual(answers.sort(), ['to four', 'to six']);
  } finally {
    socket.close();
    wildcard.close();
    client.close();
    v4client.close();
  }
});

test('closing inside a batch delivers nothing more, and frees the port at once', async () => {
  let delivered = 0;
  const socket: BatchUdpSocket = await bindBatchUdp('127.0.0.1', 0, {
    onMessage: () => {
      delivered++;
      socket.close();
    },
  });
  const client = await bindBatchUdp('127.0.0.1', 0, { onMessage: () => {} });
  try {
    // 50 in one sendmmsg: all readable at once, and the socket closes at the first.
    for (let i = 0; i < 50; i++) client.send(numbered(i), { address: '127.0.0.1', port: socket.port });
    await waitFor(() => delivered > 0, 'the first datagram');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(delivered, 1);
    assert.equal(socket.pendingBytes, 0);
    socket.send(Buffer.from('after close'), { address: '127.0.0.1', port: client.port }); // ignored, no throw
    const again = await bindBatchUdp('127.0.0.1', socket.port, { onMessage: () => {} });
    again.close();
  } finally {
    client.close();
  }
});

test('errors: a busy port, a datagram over the size limit, an address the socket cannot reach', async () => {
  const got = collector();
  const errors: string[] = [];
  const socket = await bindBatchUdp('127.0.0.1', 0, { onMessage: got.onMessage, onError: (e) => errors.push(e.message), maxDatagram: 64 });
  const client = await bindBatchUdp('127.0.0.1', 0, { onMessage: () => {} });
  try {
    await assert.rejects(bindBatchUdp('127.0.0.1', socket.port, { onMessage: () => {} }), (e: NodeJS.ErrnoException) => e.code === 'EADDRINUSE' && /bind EADDRINUSE 127.0.0.1:/.test(e.message));
    const target = { address: '127.0.0.1', port: socket.port };
    client.send(Buffer.alloc(65, 1), target);
    client.send(Buffer.alloc(64, 2), target);
    await waitFor(() => got.received.length === 1, 'the datagram that fits');
    assert.deepEqual(got.received[0]!.datagram, Buffer.alloc(64, 2));
    assert.deepEqual(socket.dropped, { truncated: 1, overflowed: 0 });
    socket.send(Buffer.from('x'), { address: '::1', port: 9 });
    socket.send(Buffer.from('x'), { address: '255.255.255.255', port: 9 }); // no SO_BROADCAST: EACCES
    await waitFor(() => errors.length === 2, 'two send errors');
    assert.match(errors[0]!, /not reachable from an IPv4 socket/);
    assert.equal(errors[1], 'send EACCES');
  } finally {
    socket.close();
    client.close();
  }
});

test('the receive buffer size is set and read back, as for node:dgram (Linux reports it doubled)', async () => {
  const rmemMax = Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));
  const socket = await bindBatchUdp('127.0.0.1', 0, { onMessage: () => {} });
  try {
    socket.setRecvBufferSize(65536);
    assert.equal(socket.getRecvBufferSize(), 131072);
    assert.equal(sizeReceiveBuffer(socket, rmemMax * 4), rmemMax);
  } finally {
    socket.close();
  }
});

test('a shared port (workers): every socket that shares binds it, each peer keeps to one of them, and a socket that does not share is refused', async () => {
  const first = collector();
  const second = collector();
  const a = await bindBatchUdp('127.0.0.1', 0, { onMessage: first.onMessage, sharePort: true });
  const b = await bindBatchUdp('127.0.0.1', a.port, { onMessage: second.onMessage, sharePort: true });
  const clients = await Promise.all(Array.from({ length: 16 }, () => bindBatchUdp('127.0.0.1', 0, { onMessage: () => {} })));
  try {
    assert.equal(b.port, a.port);
    await assert.rejects(bindBatchUdp('127.0.0.1', a.port, { onMessage: () => {} }), (e: NodeJS.ErrnoException) => e.code === 'EADDRINUSE');
    for (let round = 0; round < 3; round++) for (const [i, client] of clients.entries()) client.send(numbered(i), { address: '127.0.0.1', port: a.port });
    await waitFor(() => first.received.length + second.received.length === 48, 'every datagram');
    const ports = (got: Received[]) => new Set(got.map((r) => r.peer.port));
    const [one, two] = [ports(first.received), ports(second.received)];
    assert.ok(one.size > 0 && two.size > 0, 'both sockets got peers');
    assert.equal(one.size + two.size, 16, 'each peer reached one socket only');
  } finally {
    for (const socket of [a, b, ...clients]) socket.close();
  }
});
