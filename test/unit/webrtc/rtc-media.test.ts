import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRtp } from '../../../src/protocols/rtp/packet.js';
import { isBSlice, H264Frames } from '../../../src/servers/webrtc/h264-frames.js';
import { NackList } from '../../../src/servers/webrtc/nack-list.js';
import { ntpMiddle, roundTripMs } from '../../../src/servers/webrtc/ntp.js';
import { RtcVideoFormat, forEachPacket } from '../../../src/servers/webrtc/rtc-output.js';
import { PPS, SPS, picture, sequenceHeader } from './h264-fixture.js';

// first_mb_in_slice 0 (ue "1"), slice_type as ue: 0 P -> "1", 1 B -> "010", 2 I -> "011".
const I_SLICE = Buffer.from([0x65, 0b1011_0000, 0x11]);
const P_SLICE = Buffer.from([0x41, 0b1100_0000, 0x22]);
const B_SLICE = Buffer.from([0x01, 0b1010_0000, 0x33]);

test('B-slices are told from I and P slices by their slice_type', () => {
  assert.equal(isBSlice(B_SLICE), true);
  assert.equal(isBSlice(P_SLICE), false);
  assert.equal(isBSlice(I_SLICE), false);
  assert.equal(isBSlice(Buffer.from([0x01])), false);
});

test('H.264 for WebRTC: SPS/PPS before keyframes, AUDs out, B-slices dropped unless kept', () => {
  const frames = new H264Frames({ keepBframes: false, keepSei: true });
  assert.equal(frames.picture(sequenceHeader()), undefined);
  const key = frames.picture(picture(0, true, [Buffer.from([0x09, 0xf0]), I_SLICE], 40))!;
  assert.deepEqual(key.nalus, [SPS, PPS, I_SLICE]);
  assert.equal(key.presentationMs, 40);
  const b = frames.picture(picture(40, false, [B_SLICE]))!;
  assert.deepEqual(b.nalus, []);
  assert.equal(b.droppedB, true);
  const kept = new H264Frames({ keepBframes: true, keepSei: true });
  kept.picture(sequenceHeader());
  assert.deepEqual(kept.picture(picture(40, false, [B_SLICE]))!.nalus, [B_SLICE]);
});

test('the shared RTP feed packetizes once, caches packets for NACKs and warns once about B-frames', () => {
  let warnings = 0;
  const format = new RtcVideoFormat(102, 0x1234, { keepBframes: false, keepSei: true }, () => warnings++);
  format.encode(sequenceHeader());
  const big = Buffer.concat([Buffer.from([0x65, 0b1011_0000]), Buffer.alloc(3000, 7)]);
  const packets: Buffer[] = [];
  forEachPacket(format.encode(picture(0, true, [big])), (packet) => packets.push(Buffer.from(packet)));
  assert.ok(packets.length >= 4, `SPS, PPS and FU-A fragments: ${packets.length}`);
  const rtp = packets.map(decodeRtp);
  assert.ok(rtp.every((p) => p.payloadType === 102 && p.ssrc === 0x1234 && p.timestamp === rtp[0]!.timestamp));
  assert.deepEqual(rtp.map((p) => p.marker), [...rtp.slice(1).map(() => false), true]);
  for (let i = 1; i < rtp.length; i++) assert.equal(rtp[i]!.sequence, (rtp[i - 1]!.sequence + 1) & 0xffff);
  assert.deepEqual(format.cached(rtp[2]!.sequence), packets[2]);
  assert.equal(format.cached((rtp[0]!.sequence - 1) & 0xffff), undefined);
  format.encode(picture(40, false, [B_SLICE]));
  format.encode(picture(80, false, [B_SLICE]));
  assert.equal(warnings, 1);
  assert.equal(format.bframes, 2);
});

test('NACKs: missing packets are asked for again until they arrive or the list gives up', () => {
  const list = new NackList();
  list.missing(10, 0);
  list.missing(11, 0);
  assert.deepEqual(list.due(0), [10, 11]);
  assert.deepEqual(list.due(10), [], 'not again before the retry interval');
  list.received(10);
  assert.deepEqual(list.due(50), [11]);
  assert.deepEqual(list.due(2000), [], 'given up after a second');
});

test('round trip from a receiver report echoing our sender report', () => {
  const sentAt = 1_700_000_000_000;
  const lsr = ntpMiddle(sentAt);
  // The peer held the report 100 ms (6553.6 units of 1/65536 s) and answered; it arrives 150 ms after we sent it.
  const rtt = roundTripMs(lsr, Math.round(0.1 * 65536), sentAt + 150)!;
  assert.ok(Math.abs(rtt - 50) < 1, `rtt ${rtt}`);
  assert.equal(roundTripMs(0, 0, sentAt), undefined);
});
