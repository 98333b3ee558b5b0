import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { RtcForwarder } from '../../../src/servers/webrtc/rtc-forward.js';
import { sessionUfrag, ufragWorker } from '../../../src/servers/webrtc/rtc-ufrag.js';
import { bindBatchUdp, type NativePeer } from '../../../src/servers/udp-socket.js';
import { waitFor } from '../../support/wait.js';

test("a session's ufrag names its worker; anything else names none", () => {
  for (const worker of [1, 2, 35, 36, 256]) {
    const ufrag = sessionUfrag(worker);
    assert.match(ufrag, /^[0-9a-f]{8}[0-9a-z]{2}$/);
    assert.equal(ufragWorker(ufrag), worker);
    assert.equal(ufragWorker(`${ufrag}:theirs`), worker, 'a session id');
  }
  assert.notEqual(sessionUfrag(1), sessionUfrag(1));
  for (const other of ['', 'srv', 'abcdefgh', '0123456789ab', 'ABCDEFGH01', '0123456700']) assert.equal(ufragWorker(other), undefined, other);
});

test('a datagram passed to another worker arrives with the peer it came from, as one peer object; strangers are not heard', async () => {
  const shared = await bindBatchUdp('127.0.0.1', 0, { onMessage: () => {} });
  const delivered: Array<{ datagram: Buffer; peer: NativePeer }> = [];
  const options = (deliver: (datagram: Buffer, peer: NativePeer) => void) => ({ maxDatagram: 2048, deliver, peerFor: (address: string, port: number) => shared.peer(address, port), onError: (error: Error) => assert.fail(error) });
  const one = await RtcForwarder.open(options(() => assert.fail('nothing is passed to worker 1')));
  const two = await RtcForwarder.open(options((datagram, peer) => delivered.push({ datagram: Buffer.from(datagram), peer })));
  const stranger = createSocket('udp4');
  try {
    for (const forwarder of [one, two]) forwarder.setPorts({ 1: one.port, 2: two.port });
    const peer = { address: '192.0.2.7', port: 50_123 };
    assert.equal(one.routeOf('192.0.2.7|50123'), undefined);
    one.route('192.0.2.7|50123', 2);
    assert.equal(one.routeOf('192.0.2.7|50123'), 2);
    assert.equal(one.forward(2, Buffer.from('check'), peer), true);
    assert.equal(one.forward(2, Buffer.from('dtls'), peer), true);
    assert.equal(one.forward(3, Buffer.from('nobody'), peer), false, 'no worker 3 now');
    // Not from a worker's forwarding port: ignored.
    stranger.send(Buffer.from([10, 0x30, 0x39, ...Buffer.from('10.0.0.1xx'), 1, 2, 3]), two.port, '127.0.0.1');
    await waitFor(() => delivered.length === 2, 'both datagrams');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(delivered.map((d) => String(d.datagram)), ['check', 'dtls']);
    const [first, second] = delivered;
    assert.equal(first!.peer, second!.peer, 'one peer object');
    assert.deepEqual({ address: first!.peer.address, port: first!.peer.port }, peer);
    assert.ok(first!.peer.sockaddr.length > 0, 'ready for the shared socket to send to');
  } finally {
    one.close();
    two.close();
    shared.close();
    stranger.close();
  }
});

test('a route unused for a minute is forgotten', async () => {
  const forwarder = await RtcForwarder.open({ maxDatagram: 2048, deliver: () => {}, peerFor: () => undefined, onError: () => {} });
  try {
    forwarder.route('a|1', 2);
    forwarder.sweep(Date.now() + 30_000);
    assert.equal(forwarder.routeOf('a|1'), 2);
    forwarder.sweep(Date.now() + 70_000);
    assert.equal(forwarder.routeOf('a|1'), undefined);
  } finally {
    forwarder.close();
  }
});
