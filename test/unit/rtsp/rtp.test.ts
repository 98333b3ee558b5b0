import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AacDepacketizer, packetizeAac } from '../../../src/protocols/rtp/aac.js';
import { LatmDepacketizer, parseLatmConfig } from '../../../src/protocols/rtp/latm.js';
import { h264Payload } from '../../../src/protocols/rtp/h264.js';
import { h265Payload } from '../../../src/protocols/rtp/h265.js';
import { NalDepacketizer, packetizeNalus } from '../../../src/protocols/rtp/nal-units.js';
import { decodeRtp, encodeRtp, type RtpPacket } from '../../../src/protocols/rtp/packet.js';
import { decodeSenderReports, encodeSenderReport } from '../../../src/protocols/rtp/rtcp.js';
import { RtpReorder } from '../../../src/protocols/rtp/reorder.js';
import { ProtocolError } from '../../../src/util/errors.js';

const packet = (payload: Buffer, sequence = 1, timestamp = 1000, marker = false): RtpPacket => ({ payloadType: 96, marker, sequence, timestamp, ssrc: 7, payload });

test('RTP packets encode to the RFC 3550 header and decode back, skipping CSRCs, extension and padding', () => {
  const bytes = encodeRtp(packet(Buffer.from([1, 2, 3]), 0xfffe, 0xdeadbeef, true));
  assert.deepEqual([...bytes], [0x80, 0xe0, 0xff, 0xfe, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 7, 1, 2, 3]);
  assert.deepEqual(decodeRtp(bytes), packet(Buffer.from([1, 2, 3]), 0xfffe, 0xdeadbeef, true));
  const fancy = Buffer.from([0xb1, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 9, 9, 9, 9, 0xbe, 0xde, 0, 1, 5, 5, 5, 5, 0xaa, 0, 0, 3]);
  assert.deepEqual([...decodeRtp(fancy).payload], [0xaa]);
  assert.throws(() => decodeRtp(Buffer.from([0x80, 96, 0])), ProtocolError);
  assert.throws(() => decodeRtp(Buffer.from([0x8f, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1])), ProtocolError);
  assert.throws(() => decodeRtp(Buffer.from([0x40, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1])), ProtocolError);
});

test('sender reports round-trip their NTP/RTP mapping', () => {
  const report = { ssrc: 5, ntpMs: 3_900_000_000_500, rtpTimestamp: 123456, packets: 10, octets: 2000 };
  const bytes = encodeSenderReport(report);
  assert.equal(bytes.length, 28);
  assert.deepEqual(decodeSenderReports(Buffer.concat([bytes, Buffer.from([0x81, 201, 0, 1, 0, 0, 0, 5])])), [report]);
  assert.throws(() => decodeSenderReports(Buffer.from([0x80, 200, 0, 9, 0, 0, 0, 0])), ProtocolError);
});

test('H.264: small NAL units go whole, large ones as FU-A under the MTU, and come back the same', () => {
  const sps = Buffer.from([0x67, 0x42, 0xc0, 0x1e]);
  const idr = Buffer.concat([Buffer.from([0x65]), Buffer.alloc(3000, 0xab)]);
  const payloads = packetizeNalus(h264Payload, [sps, idr], 1388);
  assert.equal(payloads.length, 4);
  assert.deepEqual(payloads[0], { payload: sps, marker: false });
  assert.deepEqual([...payloads[1]!.payload.subarray(0, 2)], [0x7c, 0x85]); // FU indicator (NRI 3, type 28), start + type 5
  assert.equal(payloads[2]!.payload[1], 0x05);
  assert.equal(payloads[3]!.payload[1], 0x45); // end
  assert.ok(payloads.every(({ payload }) => payload.length <= 1388));
  assert.deepEqual(payloads.map(({ marker }) => marker), [false, false, false, true]);
  const depacketizer = new NalDepacketizer(h264Payload);
  const units = payloads.flatMap(({ payload, marker }, i) => depacketizer.push(packet(payload, i, 9000, marker), false));
  assert.deepEqual(units, [{ nalus: [sps, idr], timestamp: 9000 }]);
});

test('H.264: STAP-A is split, a lost FU-A start drops the NAL unit, and a timestamp change ends an access unit', () => {
  const depacketizer = new NalDepacketizer(h264Payload);
  const stap = Buffer.from([0x18, 0, 2, 0x67, 1, 0, 2, 0x68, 2]);
  assert.deepEqual(depacketizer.push(packet(stap, 1, 100), false), []);
  const next = depacketizer.push(packet(Buffer.from([0x41, 9]), 2, 200, true), false);
  assert.deepEqual(next, [{ nalus: [Buffer.from([0x67, 1]), Buffer.from([0x68, 2])], timestamp: 100 }, { nalus: [Buffer.from([0x41, 9])], timestamp: 200 }]);
  assert.deepEqual(depacketizer.push(packet(Buffer.from([0x7c, 0x45, 1, 2]), 4, 300, true), true), []);
  assert.equal(depacketizer.lost(), false);
  assert.deepEqual(depacketizer.push(packet(Buffer.from([0x18, 0, 9, 1]), 5, 400, true), false), []);
  assert.equal(depacketizer.lost(), true);
});

test('H.265: FUs carry the two-byte header and aggregation packets are split', () => {
  const idr = Buffer.concat([Buffer.from([0x26, 0x01]), Buffer.alloc(2000, 7)]);
  const payloads = packetizeNalus(h265Payload, [idr], 1388);
  assert.equal(payloads.length, 2);
  assert.deepEqual([...payloads[0]!.payload.subarray(0, 3)], [0x62, 0x01, 0x93]); // type 49, start, type 19
  const depacketizer = new NalDepacketizer(h265Payload);
  const units = payloads.flatMap(({ payload, marker }, i) => depacketizer.push(packet(payload, i, 1, marker), false));
  assert.deepEqual(units, [{ nalus: [idr], timestamp: 1 }]);
  const ap = Buffer.from([0x60, 0x01, 0, 3, 0x40, 0x01, 0xaa, 0, 3, 0x42, 0x01, 0xbb]);
  assert.deepEqual(depacketizer.push(packet(ap, 9, 2, true), false)[0]!.nalus, [Buffer.from([0x40, 1, 0xaa]), Buffer.from([0x42, 1, 0xbb])]);
});

test('AAC-hbr: one AU per packet with its AU header; several AUs in a packet get their own timestamps', () => {
  const au = Buffer.alloc(300, 1);
  const [only] = packetizeAac(au, 1388);
  assert.deepEqual([...only!.payload.subarray(0, 4)], [0x00, 0x10, 300 >> 5, (300 & 0x1f) << 3]);
  const depacketizer = new AacDepacketizer();
  assert.deepEqual(depacketizer.push(packet(only!.payload, 1, 5000, true), false), [{ data: au, timestamp: 5000 }]);
  const two = Buffer.from([0x00, 0x20, 0x00, 0x10, 0x00, 0x08, 0xa, 0xa, 0xb]);
  assert.deepEqual(depacketizer.push(packet(two, 2, 6024, true), false), [
    { data: Buffer.from([0xa, 0xa]), timestamp: 6024 },
    { data: Buffer.from([0xb]), timestamp: 7048 },
  ]);
  const big = Buffer.alloc(3000, 2);
  const fragments = packetizeAac(big, 1388);
  assert.equal(fragments.length, 3);
  const rebuilt = fragments.flatMap(({ payload, marker }, i) => depacketizer.push(packet(payload, 10 + i, 9000, marker), false));
  assert.deepEqual(rebuilt, [{ data: big, timestamp: 9000 }]);
  assert.throws(() => depacketizer.push(packet(Buffer.from([0x00, 0x20, 0xff, 0xf8, 0xff, 0xf8, 1]), 20, 1, true), false), ProtocolError);
});

test('MP4A-LATM: the StreamMuxConfig gives the AudioSpecificConfig; frames are rebuilt across packets; bad input is refused', () => {
  // GStreamer's rtpmp4apay over FFmpeg's AAC encoder: AAC-LC 44.1 kHz mono with its SBR sync extension.
  assert.deepEqual(parseLatmConfig('40002410adca00'), { asc: Buffer.from('120856e500', 'hex'), subFrames: 1 });
  assert.deepEqual(parseLatmConfig('400024200000').asc, Buffer.from('1210', 'hex'));
  for (const bad of ['zz', 'c0002410', '40102410', '40002410', '4000241040', '4001f41000']) assert.throws(() => parseLatmConfig(bad), ProtocolError, bad);
  const config = parseLatmConfig('40002410adca00');
  const depacketizer = new LatmDepacketizer(config);
  const frame = Buffer.alloc(300, 7);
  // PayloadLengthInfo: 255 + 45, then the frame, split over two packets (the marker ends it).
  const element = Buffer.concat([Buffer.from([255, 45]), frame]);
  assert.deepEqual(depacketizer.push(packet(element.subarray(0, 100), 1, 4000), false), []);
  assert.deepEqual(depacketizer.push(packet(element.subarray(100), 2, 4000, true), false), [{ data: frame, timestamp: 4000 }]);
  // A lost middle drops that element only; the next one comes through.
  assert.deepEqual(depacketizer.push(packet(element.subarray(0, 100), 3, 5024), false), []);
  assert.deepEqual(depacketizer.push(packet(element.subarray(200), 5, 5024, true), true), []);
  assert.deepEqual(depacketizer.push(packet(Buffer.from([2, 1, 2]), 6, 6048, true), false), [{ data: Buffer.from([1, 2]), timestamp: 6048 }]);
  // A length running past the element is refused.
  assert.throws(() => depacketizer.push(packet(Buffer.from([9, 1]), 7, 7072, true), false), ProtocolError);
  assert.throws(() => depacketizer.push(packet(Buffer.from([255, 255]), 8, 8096, true), false), ProtocolError);
});

test('the reorder buffer puts swapped packets back, drops duplicates and gives up on a lost one', () => {
  const reorder = new RtpReorder(3);
  const seqs = (ordered: ReturnType<RtpReorder['push']>): Array<[number, boolean]> => ordered.map(({ packet: p, gap }) => [p.sequence, gap]);
  assert.deepEqual(seqs(reorder.push(packet(Buffer.alloc(1), 65534))), [[65534, false]]);
  assert.deepEqual(seqs(reorder.push(packet(Buffer.alloc(1), 0))), []);
  assert.deepEqual(seqs(reorder.push(packet(Buffer.alloc(1), 65535))), [[65535, false], [0, false]]);
  assert.deepEqual(seqs(reorder.push(packet(Buffer.alloc(1), 0))), []);
  for (const seq of [2, 3, 4]) assert.deepEqual(seqs(reorder.push(packet(Buffer.alloc(1), seq))), []);
  assert.deepEqual(seqs(reorder.push(packet(Buffer.alloc(1), 5))), [[2, true], [3, false], [4, false], [5, false]]);
});
