import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeAck, decodeNak, encodeNak } from '../../../src/protocols/srt/control.js';
import { ControlType, Position, decodePacket } from '../../../src/protocols/srt/packet.js';
import { SrtReceiver } from '../../../src/protocols/srt/receiver.js';
import { SrtSender } from '../../../src/protocols/srt/sender.js';

const FAST = 1e12; // no pacing limit in these tests

function sender(options: Partial<ConstructorParameters<typeof SrtSender>[0]> = {}) {
  const out: Buffer[] = [];
  const s = new SrtSender({ initialSeq: 10, peerId: 7, latencyMs: 120, tooLateDrop: true, maxBandwidth: FAST, maxUnacked: 100, ...options }, (d) => out.push(d));
  return { s, out, packets: () => out.splice(0).map(decodePacket) };
}

test('sender: cuts bytes into 1316-byte packets numbered from the initial sequence', () => {
  const { s, packets } = sender();
  s.send(Buffer.alloc(1316 * 2 + 188), 0);
  s.pump(1000);
  const sent = packets();
  assert.deepEqual(sent.map((p) => (p.kind === 'data' ? [p.seq, p.payload.length, p.position, p.messageNumber] : [])), [
    [10, 1316, Position.Solo, 1], [11, 1316, Position.Solo, 2], [12, 188, Position.Solo, 3],
  ]);
});

test('sender: a NAK is answered with the lost packet flagged as retransmitted; an ACK releases and a full one gets an ACKACK', () => {
  const { s, packets } = sender({ latencyMs: 1000 });
  s.send(Buffer.alloc(1316 * 3), 0);
  s.pump(1000);
  packets();
  s.onNak([{ first: 11, last: 11 }], 2000);
  s.pump(2000);
  const resent = packets();
  assert.equal(resent.length, 1);
  assert.ok(resent[0]!.kind === 'data' && resent[0]!.seq === 11 && resent[0]!.retransmitted);
  s.onAck(5, { ackSeq: 13, rtt: 3000 }, 3000);
  const ackack = packets();
  assert.ok(ackack[0]!.kind === 'control' && ackack[0]!.type === ControlType.AckAck && ackack[0]!.info === 5);
  assert.equal(s.stats.rttUs, 3000);
  // Acknowledged packets are gone: a late NAK for them gets a drop request instead.
  s.onNak([{ first: 11, last: 11 }], 4000);
  s.pump(4000);
  const answer = packets();
  assert.ok(answer[0]!.kind === 'control' && answer[0]!.type === ControlType.DropReq);
});

test('sender: a resend goes out twice when losing it would leave no time to ask again', () => {
  const { s, packets } = sender({ latencyMs: 1000 });
  s.send(Buffer.alloc(1316 * 3), 0);
  s.pump(1000);
  packets();
  const resendOf = (seq: number, nowUs: number) => {
    s.onNak([{ first: seq, last: seq }], nowUs);
    s.pump(nowUs);
    return packets().map((p) => (p.kind === 'data' ? [p.seq, p.retransmitted] : []));
  };
  // Plenty of time left before the peer plays it: one copy.
  assert.deepEqual(resendOf(11, 100_000), [[11, true]]);
  // Asked for again: the first resend was lost, so two.
  assert.deepEqual(resendOf(11, 300_000), [[11, true], [11, true]]);
  // A first resend with less than two round trips (the initial 100 ms estimate) before the peer plays it: two.
  assert.deepEqual(resendOf(12, 850_000), [[12, true], [12, true]]);
  assert.equal(s.stats.packetsRetransmitted, 5);
});

test('sender: a packet ACKs still ask for a round trip after it left is sent again without waiting for a NAK', () => {
  const { s, packets } = sender({ latencyMs: 1000 });
  s.send(Buffer.alloc(1316), 0);
  s.pump(0);
  s.onAck(1, { ackSeq: 11, rtt: 100_000 }, 20_000); // 10 took 20 ms to be acknowledged
  s.send(Buffer.alloc(1316 * 2), 30_000);
  s.pump(30_000);
  packets();
  // 11 is missing (the ACK asks for it) but in flight: 10 ms after it left is too soon.
  s.onAck(0, { ackSeq: 11 }, 40_000);
  s.pump(40_000);
  assert.equal(packets().length, 0);
  // 65 ms after it left (more than the measured 20 ms and four times its variance, 10 ms), the ACK still asks for it: resent, once.
  s.onAck(0, { ackSeq: 11 }, 95_000);
  s.pump(95_000);
  const resent = packets();
  assert.equal(resent.length, 1);
  assert.ok(resent[0]!.kind === 'data' && resent[0]!.seq === 11 && resent[0]!.retransmitted);
  s.onAck(0, { ackSeq: 11 }, 99_000);
  s.pump(99_000);
  assert.equal(packets().length, 0);
  assert.equal(s.stats.packetsRetransmitted, 1);
});

test('sender: with no ACK since the one asking for a packet, the clock resends it in time for the peer to play it', () => {
  const { s, packets } = sender({ latencyMs: 300 });
  s.send(Buffer.alloc(1316), 0);
  s.pump(0);
  s.onAck(1, { ackSeq: 11, rtt: 100_000 }, 100_000); // a 100 ms round trip, variance 50 ms
  s.send(Buffer.alloc(1316), 110_000);
  s.pump(110_000);
  packets();
  // The peer lacks 11 and, as libsrt does while the number it would ACK stays put, ACKs no more.
  s.onAck(0, { ackSeq: 11 }, 200_000);
  s.pump(250_000);
  assert.equal(packets().length, 0);
  // A round trip and four variances after it left (410 ms) is when the peer plays it: it goes a
  // round trip before that (310 ms), as two copies since one more loss would leave no time.
  s.pump(311_000);
  assert.deepEqual(packets().map((p) => (p.kind === 'data' ? [p.seq, p.retransmitted] : [])), [[11, true], [11, true]]);
});

test('sender: packets too late for the peer latency are dropped, never sent, and the peer is told', () => {
  const { s, packets } = sender({ maxBandwidth: 1 });
  s.send(Buffer.alloc(1316), 0);
  s.pump(0); // the first burst allowance goes out
  s.send(Buffer.alloc(1316), 10);
  s.pump(2_000_000);
  const out = packets();
  assert.ok(out.some((p) => p.kind === 'control' && p.type === ControlType.DropReq));
  assert.equal(s.stats.packetsDropped, 2);
  assert.equal(s.pendingBytes, 0);
});

test('sender: the rate cap holds packets back until the pacer allows them', () => {
  const { s, packets } = sender({ maxBandwidth: 1_360_000 }); // ~1000 packets a second
  s.send(Buffer.alloc(1316 * 200), 0);
  s.pump(0);
  const first = packets().length;
  assert.ok(first < 200, `${first} packets in the first burst`);
  assert.ok(s.pendingBytes > 0);
  for (let now = 5000; now <= 1_000_000; now += 5000) s.pump(now);
  assert.equal(s.pendingBytes, 0);
});

/** One data packet into the receiver, its payload a byte naming it. */
function data(r: SrtReceiver, seq: number, timestamp: number, nowUs: number, retransmitted = false): void {
  r.onData(seq, timestamp, retransmitted, Buffer.from([seq & 0xff]), nowUs);
}

function receiver(tooLateDrop = true) {
  const out: Buffer[] = [];
  const delivered: number[] = [];
  const r = new SrtReceiver({ initialSeq: 0, peerId: 9, latencyMs: 100, tooLateDrop, bufferPackets: 64 }, (d) => out.push(d), (p) => delivered.push(p[0]!));
  return { r, delivered, packets: () => out.splice(0).map(decodePacket) };
}

test('receiver: a gap is NAKed at once, ACKs name the first missing packet, delivery waits for the latency', () => {
  const { r, delivered, packets } = receiver();
  data(r, 0, 0, 0);
  data(r, 2, 40_000, 40_000);
  const nak = packets();
  assert.ok(nak[0]!.kind === 'control' && nak[0]!.type === ControlType.Nak);
  assert.deepEqual(decodeNak(nak[0]!.kind === 'control' ? nak[0]!.body : Buffer.alloc(0)), [{ first: 1, last: 1 }]);
  r.tick(10_000);
  const ack = packets().find((p) => p.kind === 'control' && p.type === ControlType.Ack);
  assert.ok(ack?.kind === 'control');
  assert.equal(decodeAck(ack.body).ackSeq, 1);
  assert.deepEqual(delivered, [], 'nothing before its time');
  r.tick(100_000);
  assert.deepEqual(delivered, [0], 'packet 0 at its time, 2 waits for 1');
  data(r, 1, 20_000, 100_500, true);
  r.tick(141_000);
  assert.deepEqual(delivered, [0, 1, 2]);
  assert.equal(r.stats.packetsRetransmitted, 1);
});

test('receiver: a packet that never comes is skipped once the next one is due (too-late drop)', () => {
  const { r, delivered } = receiver();
  data(r, 0, 0, 0);
  data(r, 2, 20_000, 20_000);
  r.tick(110_000);
  assert.deepEqual(delivered, [0]);
  r.tick(121_000);
  assert.deepEqual(delivered, [0, 2]);
  assert.equal(r.stats.packetsDropped, 1);
});

test('receiver: losses are NAKed again until filled, and an ACKACK gives the RTT', () => {
  const { r, packets } = receiver(false);
  data(r, 0, 0, 0);
  data(r, 3, 0, 0);
  packets();
  r.tick(500_000);
  const repeated = packets().filter((p) => p.kind === 'control' && p.type === ControlType.Nak);
  assert.equal(repeated.length, 1);
  assert.deepEqual(repeated[0]!.kind === 'control' && decodeNak(repeated[0]!.body), decodeNak(encodeNak([{ first: 1, last: 2 }], 0, 0).subarray(16)));
  r.onAckAck(1, 520_000); // ACK number 1 went out at the 500 ms tick
  assert.ok(r.stats.rttUs < 100_000);
});

test('receiver: full ACKs at most every 10 ms as libsrt, a light ACK after 64 packets between them', () => {
  const { r, packets } = receiver();
  const acks = () => packets().filter((p) => p.kind === 'control' && p.type === ControlType.Ack).map((p) => (p.kind === 'control' ? { info: p.info, words: p.body.length / 4, seq: decodeAck(p.body).ackSeq } : undefined));
  data(r, 0, 0, 0);
  r.tick(5_000);
  assert.deepEqual(acks(), [{ info: 1, words: 7, seq: 1 }]);
  data(r, 1, 1_000, 6_000);
  r.tick(10_000);
  assert.deepEqual(acks(), [], 'the next full ACK waits for the 10 ms timer');
  r.tick(15_000);
  assert.deepEqual(acks(), [{ info: 2, words: 7, seq: 2 }]);
  r.tick(150_000);
  assert.deepEqual(acks(), [], 'nothing new, no ACK');
  for (let seq = 2; seq < 66; seq++) data(r, seq, 150_000, 151_000);
  assert.deepEqual(acks(), [{ info: 0, words: 1, seq: 66 }], 'a light ACK: the sequence number alone, no ACK number');
});

test('receiver: the ACKed sequence follows a filled gap and jumps past one given up (too-late drop)', () => {
  const { r, packets } = receiver();
  const ackSeq = (now: number) => {
    r.tick(now);
    const ack = packets().find((p) => p.kind === 'control' && p.type === ControlType.Ack);
    return ack?.kind === 'control' ? decodeAck(ack.body).ackSeq : undefined;
  };
  data(r, 0, 0, 0);
  data(r, 2, 10_000, 10_000);
  data(r, 3, 10_000, 10_000);
  assert.equal(ackSeq(11_000), 1);
  data(r, 1, 5_000, 12_000, true);
  assert.equal(ackSeq(22_000), 4, 'the gap filled: everything up to 3 held');
  data(r, 5, 30_000, 30_000);
  assert.equal(ackSeq(33_000), undefined, 'still 4 (missing): no news, no ACK');
  assert.equal(ackSeq(131_000), 6, '4 given up once 5 is due: the ACK moves past both');
  data(r, 6, 40_000, 140_000);
  assert.equal(ackSeq(142_000), 7);
});

test('receiver: the receive ring delivers in order across the 31-bit sequence wrap', () => {
  const out: Buffer[] = [];
  const delivered: number[] = [];
  const first = 0x7fffffff - 40;
  const r = new SrtReceiver({ initialSeq: first, peerId: 9, latencyMs: 10, tooLateDrop: true, bufferPackets: 64 }, (d) => out.push(d), (p) => delivered.push(p.readUInt32BE(0)));
  const feed = (i: number, nowUs: number) => {
    const payload = Buffer.alloc(4);
    payload.writeUInt32BE((first + i) & 0x7fffffff);
    r.onData((first + i) & 0x7fffffff, i * 1000, false, payload, nowUs);
  };
  for (let i = 0; i < 200; i++) {
    if (i !== 100) feed(i, i * 1000);
    if (i === 105) feed(100, i * 1000); // the one that came late, within the latency
    r.tick(i * 1000 + 500);
  }
  r.tick(1_000_000);
  assert.deepEqual(delivered, Array.from({ length: 200 }, (_, i) => (first + i) & 0x7fffffff));
  assert.equal(r.stats.packetsLost, 1);
  assert.equal(r.stats.packetsDropped, 0);
});
