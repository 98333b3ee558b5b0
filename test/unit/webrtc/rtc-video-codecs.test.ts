import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readHevcNalConfig } from '../../../src/codecs/annexb.js';
import { sizedObu } from '../../../src/codecs/av1.js';
import { describeVideoConfig } from '../../../src/codecs/describe.js';
import type { MediaFrame } from '../../../src/media/frame.js';
import { Av1Depacketizer, packetizeAv1 } from '../../../src/protocols/rtp/av1.js';
import { h265Payload } from '../../../src/protocols/rtp/h265.js';
import { NalDepacketizer, packetizeNalus, type RtpPayload } from '../../../src/protocols/rtp/nal-units.js';
import { decodeRtp, type RtpPacket } from '../../../src/protocols/rtp/packet.js';
import { Vp9Depacketizer, packetizeVp9 } from '../../../src/protocols/rtp/vp9.js';
import type { RtcVideoCodec } from '../../../src/servers/webrtc/rtc-codecs.js';
import { RtcVideoFormat, forEachPacket } from '../../../src/servers/webrtc/rtc-output.js';
import { rtcVideoTrack } from '../../../src/servers/webrtc/rtc-video-in.js';
import { av1Units, vp9Frames } from './codec-fixtures.js';
import { picture, sequenceHeader } from './h264-fixture.js';

const OPTIONS = { keepBframes: false, keepSei: true };

/** A publisher's RTP for a frame's payloads, 90 kHz at 10 fps. */
function rtp(payloads: RtpPayload[], frame: number, sequence: { next: number }): RtpPacket[] {
  return payloads.map(({ payload, marker }) => ({ payloadType: 98, marker, sequence: sequence.next++ & 0xffff, timestamp: frame * 9000, ssrc: 7, payload }));
}

/** Hub frames out of a publisher track for these RTP packets (the hub clock: RTP time / 90). */
function ingest(codec: RtcVideoCodec, packets: RtpPacket[]): { frames: MediaFrame[]; malformed: number } {
  const track = rtcVideoTrack(codec, 98);
  const frames = packets.flatMap((packet) => track.frames(packet, false, (time) => time / 90));
  return { frames, malformed: track.malformed };
}

/** What a WHEP player of these hub frames receives, as RTP packets. */
function play(codec: RtcVideoCodec, frames: MediaFrame[]): RtpPacket[] {
  const format = new RtcVideoFormat(45, 0x4242, OPTIONS, () => undefined, codec);
  const packets: RtpPacket[] = [];
  for (const frame of frames) forEachPacket(format.encode(frame), (packet) => packets.push(decodeRtp(Buffer.from(packet))));
  return packets;
}

test('VP9 through the hub: a WHIP publisher\'s frames become Enhanced RTMP (vpcC, keyframe flags) and the same frames again for WHEP', () => {
  const sequence = { next: 65530 };
  const source = vp9Frames();
  const packets = source.flatMap((frame, i) => rtp(packetizeVp9(frame, { keyframe: i === 0, pictureId: i }, 300), i, sequence));
  const { frames, malformed } = ingest('VP9', packets);
  assert.equal(malformed, 0);
  assert.deepEqual(frames.map((f) => [f.sequenceHeader, f.keyframe, f.timestamp]), [[true, false, 0], [false, true, 0], [false, false, 100], [false, false, 200]]);
  assert.deepEqual(describeVideoConfig(frames[0]!.body), { codec: 'VP9', profile: 'Profile 0', level: '1' });
  assert.deepEqual(frames[1]!.body.subarray(0, 5), Buffer.from([0x91, ...Buffer.from('vp09')]));
  const out = play('VP9', frames);
  assert.ok(out.every((p) => p.payload.length <= 1160 && p.payloadType === 45 && p.ssrc === 0x4242));
  const depacketizer = new Vp9Depacketizer();
  const back = out.flatMap((packet) => depacketizer.push(packet, false));
  assert.deepEqual(back.map((f) => f.data), source);
  assert.deepEqual(back.map((f) => f.keyframe), [true, false, false]);
});

test('AV1 through the hub: OBUs with size fields and an av1C in the hub, the sequence header before every keyframe for WHEP', () => {
  const sequence = { next: 0 };
  const units = av1Units();
  const packets = units.flatMap((obus, i) => rtp(packetizeAv1(obus, i === 0, 200), i, sequence));
  const { frames, malformed } = ingest('AV1', packets);
  assert.equal(malformed, 0);
  assert.deepEqual(frames.map((f) => [f.sequenceHeader, f.keyframe]), [[true, false], [false, true], [false, false], [false, false]]);
  const info = describeVideoConfig(frames[0]!.body)!;
  assert.deepEqual([info.codec, info.profile, info.width, info.height], ['AV1', 'Main', 64, 48]);
  assert.deepEqual(frames[1]!.body.subarray(5), Buffer.concat(units[0]!.map(sizedObu)));
  // A keyframe that comes without its sequence header gets the record's in front for WHEP.
  const bare = { ...frames[1]!, body: Buffer.concat([frames[1]!.body.subarray(0, 5), Buffer.concat(units[0]!.slice(1).map(sizedObu))]) };
  const depacketizer = new Av1Depacketizer();
  const back = play('AV1', [frames[0]!, bare, frames[2]!]).flatMap((packet) => depacketizer.push(packet, false));
  assert.deepEqual(back.map((unit) => Buffer.concat(unit.obus.map(sizedObu))), [Buffer.concat(units[0]!.map(sizedObu)), Buffer.concat(units[1]!.map(sizedObu))]);
  assert.deepEqual(back.map((unit) => unit.newSequence), [true, false]);
});

test('H.265 through the hub: parameter sets into an HVCC record, IRAP pictures as keyframes, parameter sets again before each for WHEP', () => {
  const [vps, sps, pps] = readHevcNalConfig(readFileSync(join(import.meta.dirname, '../../fixtures/hevc-main-1920x1080.hvcc'))).parameterSets;
  const idr = Buffer.concat([Buffer.from([19 << 1, 1]), Buffer.alloc(2500, 0x19)]);
  const trail = Buffer.concat([Buffer.from([1 << 1, 1]), Buffer.alloc(300, 0x01)]);
  const sequence = { next: 100 };
  const packets = [...rtp(packetizeNalus(h265Payload, [vps!, sps!, pps!, idr], 1200), 0, sequence), ...rtp(packetizeNalus(h265Payload, [trail], 1200), 1, sequence)];
  const { frames } = ingest('H265', packets);
  assert.deepEqual(frames.map((f) => [f.sequenceHeader, f.keyframe]), [[true, false], [false, true], [false, false]]);
  assert.equal(describeVideoConfig(frames[0]!.body)?.codec, 'HEVC');
  const depacketizer = new NalDepacketizer(h265Payload);
  const back = play('H265', frames).flatMap((packet) => depacketizer.push(packet, false));
  assert.deepEqual(back.map((unit) => unit.nalus), [[vps, sps, pps, idr], [trail]]);
});

test('malformed payloads from a publisher are dropped and counted, never thrown; inter frames wait for the next keyframe', () => {
  for (const codec of ['VP9', 'AV1', 'H265'] as const) {
    const track = rtcVideoTrack(codec, 98);
    const garbage = [Buffer.alloc(0), Buffer.from([0xff]), Buffer.from([0xc0, 0x92]), Buffer.from([0x00, 0x05, 0x01]), Buffer.from([0x64, 0x01, 0x00])];
    const out = garbage.flatMap((payload, i) => track.frames({ payloadType: 98, marker: true, sequence: i, timestamp: i * 9000, ssrc: 7, payload }, false, (t) => t / 90));
    assert.deepEqual(out, [], codec);
    assert.ok(track.malformed >= 2, `${codec} counted ${track.malformed}`);
  }
  // An inter frame before any keyframe gives nothing; the keyframe then starts the stream.
  const [key, inter] = vp9Frames();
  const sequence = { next: 0 };
  const track = rtcVideoTrack('VP9', 98);
  const early = rtp(packetizeVp9(inter!, { keyframe: false, pictureId: 1 }, 1200), 0, sequence).flatMap((p) => track.frames(p, false, (t) => t / 90));
  assert.deepEqual(early, []);
  const started = rtp(packetizeVp9(key!, { keyframe: true, pictureId: 2 }, 1200), 1, sequence).flatMap((p) => track.frames(p, false, (t) => t / 90));
  assert.deepEqual(started.map((f) => [f.sequenceHeader, f.keyframe]), [[true, false], [false, true]]);
});

test('a WHEP player answered VP9 gets nothing of an H.264 publish that came after, and it is told once', () => {
  const told: string[] = [];
  const format = new RtcVideoFormat(98, 1, OPTIONS, () => undefined, 'VP9', (codec) => told.push(codec));
  const sent = [sequenceHeader(), picture(0, true, [Buffer.from([0x65, 0xb0, 0x11])]), picture(40, false, [Buffer.from([0x41, 0xc0, 0x22])])].map((frame) => format.encode(frame).length);
  assert.deepEqual(sent, [0, 0, 0]);
  assert.deepEqual(told, ['H264']);
});
