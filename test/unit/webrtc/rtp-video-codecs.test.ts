import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ObuType, sizedObu } from '../../../src/codecs/av1.js';
import { Av1Depacketizer, packetizeAv1, readAv1Aggregation } from '../../../src/protocols/rtp/av1.js';
import { h265Payload } from '../../../src/protocols/rtp/h265.js';
import { NalDepacketizer, packetizeNalus, type RtpPayload } from '../../../src/protocols/rtp/nal-units.js';
import type { RtpPacket } from '../../../src/protocols/rtp/packet.js';
import { Vp9Depacketizer, packetizeVp9, readVp9Descriptor } from '../../../src/protocols/rtp/vp9.js';
import { ProtocolError } from '../../../src/util/errors.js';
import { fuzzRuns } from '../../support/fuzz.js';
import { av1Units, vp9Frames } from './codec-fixtures.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** RTP packets of payloads, numbered from `sequence`. */
function packets(payloads: RtpPayload[], timestamp: number, sequence = 0): RtpPacket[] {
  return payloads.map(({ payload, marker }, i) => ({ payloadType: 98, marker, sequence: sequence + i, timestamp, ssrc: 1, payload }));
}

test('VP9 descriptors (RFC 9628) as Chrome sends them: picture ID, layer indices, flexible references, scalability structure', () => {
  // I P L F B E V Z = 1 1 1 1 1 1 0 0, 15-bit picture ID 0x1234, TID/U/SID/D, one P_DIFF.
  assert.deepEqual(readVp9Descriptor(hex('fc 9234 22 02 aa')), { interPredicted: true, start: true, end: true, spatialId: 1, pictureId: 0x1234, dataOffset: 5 });
  // I B V: 7-bit picture ID, SS with one layer's size and a picture group of one.
  assert.deepEqual(readVp9Descriptor(hex('8a 05 18 0140 00f0 01 04 01 ff')), { interPredicted: false, start: true, end: false, spatialId: 0, pictureId: 5, dataOffset: 10 });
  // Non-flexible with layers: a TL0PICIDX follows the layer byte.
  assert.equal(readVp9Descriptor(hex('a4 00 07 ff aa')).dataOffset, 4);
  for (const bad of ['', '80', 'c0 92', 'b0 80 00', '02', '02 18 01']) assert.throws(() => readVp9Descriptor(hex(bad)), ProtocolError, bad);
});

test('VP9 frames round-trip through RTP: B and E bound each frame, keyframes carry their size and need no P bit', () => {
  const frames = vp9Frames();
  const depacketizer = new Vp9Depacketizer();
  let sequence = 0;
  frames.forEach((frame, i) => {
    const keyframe = i === 0;
    const payloads = packetizeVp9(frame, { keyframe, pictureId: 0x7ffe + i, width: 64, height: 48 }, 200);
    assert.ok(payloads.every((p) => p.payload.length <= 200));
    assert.deepEqual(payloads.map((p) => p.marker), payloads.map((_, n) => n === payloads.length - 1));
    const first = readVp9Descriptor(payloads[0]!.payload);
    assert.equal(first.interPredicted, !keyframe);
    assert.equal(first.pictureId, (0x7ffe + i) & 0x7fff);
    const out = packets(payloads, i * 9000, sequence).flatMap((packet) => depacketizer.push(packet, false));
    sequence += payloads.length;
    assert.deepEqual(out, [{ data: frame, timestamp: i * 9000, keyframe }]);
  });
  assert.equal(depacketizer.lost(), false);
  assert.equal(depacketizer.malformed, 0);
});

test('VP9: a frame with a gap or a malformed descriptor is dropped and counted, the next one comes through', () => {
  const [key, inter] = vp9Frames();
  const depacketizer = new Vp9Depacketizer();
  const broken = packets(packetizeVp9(key!, { keyframe: true, pictureId: 1 }, 200), 0);
  assert.ok(broken.length > 2);
  assert.deepEqual(depacketizer.push(broken[0]!, false), []);
  assert.deepEqual(depacketizer.push(broken[2]!, true), [], 'a gap drops the frame');
  assert.equal(depacketizer.lost(), true);
  assert.deepEqual(depacketizer.push({ ...broken[0]!, payload: hex('c0 92') }, false), [], 'a truncated descriptor');
  assert.equal(depacketizer.malformed, 1);
  // Higher spatial layers are left out; the base layer's frame comes through.
  assert.deepEqual(depacketizer.push({ ...broken[0]!, timestamp: 50, payload: hex('ac 02 02 00') }, false), []);
  assert.equal(depacketizer.layersDropped, 1);
  const out = packets(packetizeVp9(inter!, { keyframe: false, pictureId: 2 }, 1200), 9000, 10).flatMap((packet) => depacketizer.push(packet, false));
  assert.deepEqual(out, [{ data: inter, timestamp: 9000, keyframe: false }]);
});

test('AV1 aggregation headers: counted elements without a last length, and fragments', () => {
  // Z=0 Y=0 W=2 N=1: an element with its length, the last one without.
  assert.deepEqual(readAv1Aggregation(hex('28 02 0a01 3000')), { continues: false, continued: false, newSequence: true, elements: [hex('0a01'), hex('3000')] });
  assert.deepEqual(readAv1Aggregation(hex('c0 02 aabb')), { continues: true, continued: true, newSequence: false, elements: [hex('aabb')] });
  for (const bad of ['', '00 05 01', '20', '00 ff ff ff ff ff ff ff ff ff']) assert.throws(() => readAv1Aggregation(hex(bad)), ProtocolError, bad);
});

test('AV1 temporal units round-trip through RTP with OBUs split over packets; N marks the keyframe', () => {
  const depacketizer = new Av1Depacketizer();
  let sequence = 0;
  av1Units().forEach((obus, i) => {
    const keyframe = i === 0;
    const payloads = packetizeAv1(obus, keyframe, 120);
    assert.ok(payloads.every((p) => p.payload.length <= 120));
    assert.equal((payloads[0]!.payload[0]! & 0x08) !== 0, keyframe);
    if (keyframe) assert.ok(payloads.some((p) => p.payload[0]! & 0x40), 'an OBU continues in the next packet');
    const out = packets(payloads, i * 9000, sequence).flatMap((packet) => depacketizer.push(packet, false));
    sequence += payloads.length;
    assert.equal(out.length, 1);
    assert.deepEqual(out[0]!.obus.map(sizedObu), obus.map(sizedObu));
    assert.equal(out[0]!.newSequence, keyframe);
  });
  assert.equal(depacketizer.malformed, 0);
  assert.throws(() => packetizeAv1(av1Units()[0]!, true, 2), ProtocolError, 'no room for an element');
});

test('AV1: temporal delimiters stay out of RTP, OBUs with size fields are taken, broken units are dropped and counted', () => {
  const [first, second] = av1Units();
  const delimiter = { type: ObuType.TemporalDelimiter, header: Buffer.from([0x12]), payload: Buffer.alloc(0) };
  const payloads = packetizeAv1([delimiter, ...first!], true, 1200);
  assert.equal(payloads.length, 1);
  const depacketizer = new Av1Depacketizer();
  assert.deepEqual(depacketizer.push(packets(payloads, 0)[0]!, false)[0]!.obus.map((obu) => obu.type), [ObuType.SequenceHeader, ObuType.Frame]);
  // An element that keeps its size field (the spec allows it) reads the same.
  const sized = sizedObu(second![0]!);
  const withSize = Buffer.concat([Buffer.from([0x10]), sized]);
  assert.equal(depacketizer.push({ ...packets(payloads, 1)[0]!, payload: withSize, marker: true }, false)[0]!.obus[0]!.payload.length, second![0]!.payload.length);
  // A size field that disagrees with its element, a continuation without a start, a gap: dropped.
  const fragments = packets(packetizeAv1(first!, true, 100), 2, 100);
  assert.deepEqual(depacketizer.push({ ...fragments[0]!, payload: hex('10 0a 0a05 00'), marker: true }, false), []);
  assert.equal(depacketizer.malformed, 1);
  assert.deepEqual(depacketizer.push({ ...fragments[1]!, timestamp: 3 }, false), []);
  assert.deepEqual(fragments.slice(2).flatMap((packet) => depacketizer.push({ ...packet, timestamp: 3 }, false)), []);
  assert.deepEqual(fragments.flatMap((packet, i) => depacketizer.push({ ...packet, timestamp: 4 }, i === 2)), []);
  assert.equal(depacketizer.lost(), true);
  assert.equal(fragments.flatMap((packet) => depacketizer.push({ ...packet, timestamp: 5 }, false)).length, 1, 'the next whole unit');
});

test('H.265 (RFC 7798): parameter sets whole, a large slice in fragmentation units, one access unit back', () => {
  const nal = (type: number, size: number): Buffer => Buffer.concat([Buffer.from([type << 1, 1]), Buffer.alloc(size - 2, type)]);
  const unit = [nal(32, 24), nal(33, 40), nal(34, 8), nal(19, 3000)];
  const payloads = packetizeNalus(h265Payload, unit, 1160);
  assert.ok(payloads.length > 5);
  const fu = payloads[3]!.payload;
  assert.deepEqual([(fu[0]! >> 1) & 0x3f, fu[2]! & 0xc0, fu[2]! & 0x3f], [49, 0x80, 19], 'FU with S, carrying an IDR_W_RADL');
  const depacketizer = new NalDepacketizer(h265Payload);
  const out = packets(payloads, 90).flatMap((packet) => depacketizer.push(packet, false));
  assert.deepEqual(out, [{ nalus: unit, timestamp: 90 }]);
  // PACI (50) is not taken: counted, and the unit it was in is lost.
  depacketizer.push({ ...packets(payloads, 180)[0]!, payload: hex('6401 00') }, false);
  assert.equal(depacketizer.malformed, 1);
  assert.equal(depacketizer.lost(), true);
});

test('random payloads never throw out of the VP9, AV1 and H.265 depacketizers', () => {
  const vp9 = new Vp9Depacketizer();
  const av1 = new Av1Depacketizer();
  const h265 = new NalDepacketizer(h265Payload);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.boolean(), fc.boolean(), fc.nat(3), (bytes, marker, gap, timestamp) => {
      const packet: RtpPacket = { payloadType: 98, marker, sequence: 0, timestamp, ssrc: 1, payload: Buffer.from(bytes) };
      vp9.push(packet, gap);
      av1.push(packet, gap);
      h265.push(packet, gap);
    }),
    fuzzRuns(2000),
  );
});
