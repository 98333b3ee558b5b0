import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeAck, decodeDropRequest, decodeNak, encodeAck, encodeAckAck, encodeDropRequest, encodeKeepalive, encodeNak, encodeShutdown } from '../../../src/protocols/srt/control.js';
import { CookieJar } from '../../../src/protocols/srt/cookie.js';
import { ExtensionType, decodeCapabilities, decodeStreamId, encodeCapabilities, encodeStreamId } from '../../../src/protocols/srt/extensions.js';
import { HandshakeType, decodeHandshake, encodeHandshake, peerIpField } from '../../../src/protocols/srt/handshake.js';
import { ControlType, Position, decodePacket, encodeData } from '../../../src/protocols/srt/packet.js';
import { seqNext, seqOffset } from '../../../src/protocols/srt/sequence.js';
import { ProtocolError } from '../../../src/util/errors.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('data packet: header words as libsrt writes them', () => {
  const bytes = encodeData({
    seq: 0x12345678, position: Position.Solo, inOrder: false, keyFlag: 0, retransmitted: true,
    messageNumber: 5, timestamp: 1000, destinationId: 0xabcdef, payload: Buffer.from('ts'),
  });
  assert.deepEqual(bytes, hex('12345678 c4000005 000003e8 00abcdef 7473'));
  const packet = decodePacket(bytes);
  assert.equal(packet.kind, 'data');
  assert.ok(packet.kind === 'data' && packet.retransmitted && packet.position === Position.Solo && packet.seq === 0x12345678);
  assert.equal(packet.kind === 'data' && packet.destinationId, 0xabcdef);
});

test('control packets: keepalive, shutdown and ACKACK carry a pad word; a short datagram is refused', () => {
  assert.deepEqual(encodeKeepalive(7, 9), hex('80010000 00000000 00000007 00000009 00000000'));
  assert.deepEqual(encodeShutdown(7, 9), hex('80050000 00000000 00000007 00000009 00000000'));
  assert.deepEqual(encodeAckAck(3, 7, 9), hex('80060000 00000003 00000007 00000009 00000000'));
  assert.throws(() => decodePacket(Buffer.alloc(15)), ProtocolError);
});

test('ACK: full and light forms', () => {
  const full = encodeAck(4, { ackSeq: 100, rtt: 2000, rttVariance: 500, availableBuffer: 8000, packetRate: 300, linkCapacity: 1000, receiveRate: 400000 }, 1, 2);
  assert.deepEqual(full.subarray(0, 8), hex('80020000 00000004'));
  const packet = decodePacket(full);
  assert.ok(packet.kind === 'control' && packet.type === ControlType.Ack);
  assert.deepEqual(decodeAck(packet.body), { ackSeq: 100, rtt: 2000, rttVariance: 500, availableBuffer: 8000, packetRate: 300, linkCapacity: 1000, receiveRate: 400000 });
  const light = decodePacket(encodeAck(0, { ackSeq: 7 }, 1, 2));
  assert.ok(light.kind === 'control' && light.body.length === 4);
  assert.equal(decodeAck(light.body).rtt, undefined);
  assert.throws(() => decodeAck(Buffer.alloc(0)), ProtocolError);
});

test('NAK: single numbers and ranges; implausible ranges are refused', () => {
  const nak = decodePacket(encodeNak([{ first: 5, last: 5 }, { first: 10, last: 12 }], 0, 1));
  assert.ok(nak.kind === 'control');
  assert.deepEqual(nak.body, hex('00000005 8000000a 0000000c'));
  assert.deepEqual(decodeNak(nak.body), [{ first: 5, last: 5 }, { first: 10, last: 12 }]);
  assert.throws(() => decodeNak(hex('8000000a')), ProtocolError);
  assert.throws(() => decodeNak(hex('80000000 7fffffff')), ProtocolError);
});

test('drop request: message number and range', () => {
  const drop = decodePacket(encodeDropRequest(9, { first: 3, last: 4 }, 0, 1));
  assert.ok(drop.kind === 'control' && drop.type === ControlType.DropReq && drop.info === 9);
  assert.deepEqual(decodeDropRequest(drop.body), { first: 3, last: 4 });
});

test('handshake: 48 bytes, then extension blocks; truncated and overrunning ones are refused', () => {
  const hs = {
    version: 5, encryption: 0, extension: 5, initialSeq: 42, mtu: 1500, flowWindow: 8192,
    type: HandshakeType.Conclusion, socketId: 77, cookie: 0xdeadbeef, peerIp: peerIpField('127.0.0.1'),
    extensions: [encodeCapabilities(ExtensionType.HsReq, { version: 0x010501, flags: 0x3b, receiverLatency: 120, senderLatency: 0 }), encodeStreamId('#!::r=live/cam')],
  };
  const bytes = encodeHandshake(hs);
  assert.deepEqual(bytes.subarray(0, 32), hex('00000005 00000005 0000002a 000005dc 00002000 ffffffff 0000004d deadbeef'));
  assert.deepEqual(bytes.subarray(32, 36), hex('0100007f'));
  assert.deepEqual(bytes.subarray(48, 52), hex('00010003'));
  const back = decodeHandshake(bytes);
  assert.equal(back.type, HandshakeType.Conclusion);
  assert.deepEqual(decodeCapabilities(back.extensions[0]!.content), { version: 0x010501, flags: 0x3b, receiverLatency: 120, senderLatency: 0 });
  assert.equal(decodeStreamId(back.extensions[1]!.content), '#!::r=live/cam');
  assert.throws(() => decodeHandshake(bytes.subarray(0, 47)), ProtocolError);
  assert.throws(() => decodeHandshake(Buffer.concat([bytes.subarray(0, 48), hex('00050009')])), ProtocolError);
  assert.throws(() => decodeHandshake(Buffer.concat([bytes, hex('00')])), ProtocolError);
});

test('stream id: each 32-bit word byte-reversed, zero padded', () => {
  assert.deepEqual(encodeStreamId('live/a').content, hex('6576696c 0000612f'));
  assert.equal(decodeStreamId(hex('6576696c 0000612f')), 'live/a');
  assert.throws(() => decodeStreamId(Buffer.alloc(516)), ProtocolError);
});

test('sequence numbers wrap at 31 bits', () => {
  assert.equal(seqNext(0x7fffffff), 0);
  assert.equal(seqOffset(0x7fffffff, 1), 2);
  assert.equal(seqOffset(1, 0x7fffffff), -2);
});

test('SYN cookies: good for the peer and minute they were made for, and the one after', () => {
  let now = 120_000;
  const jar = new CookieJar(Buffer.alloc(32, 1), () => now);
  const cookie = jar.issue('10.0.0.1', 5000);
  assert.ok(jar.check('10.0.0.1', 5000, cookie));
  assert.ok(!jar.check('10.0.0.1', 5001, cookie));
  now += 60_000;
  assert.ok(jar.check('10.0.0.1', 5000, cookie));
  now += 60_000;
  assert.ok(!jar.check('10.0.0.1', 5000, cookie));
});
