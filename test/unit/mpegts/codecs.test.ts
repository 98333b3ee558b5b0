import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { adtsHeader, readAdtsConfig } from '../../../src/codecs/adts.js';
import { annexBAccessUnit, readAvcNalConfig, readHevcNalConfig, splitAvcc } from '../../../src/codecs/annexb.js';
import { readMpegAudioHeader } from '../../../src/codecs/mp3.js';
import { TsFrameWriter } from '../../../src/formats/mpegts/frame-writer.js';
import { ProtocolError } from '../../../src/util/errors.js';
import { readTs } from './ts-reader.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/${name}`, import.meta.url));
const avcc = (...nalus: Buffer[]) => Buffer.concat(nalus.flatMap((n) => [Buffer.from([0, 0, 0, n.length]), n]));

test('ADTS header for AAC-LC 44.1 kHz stereo', () => {
  const config = readAdtsConfig(Buffer.from([0x12, 0x10]));
  assert.deepEqual(config, { profile: 1, samplingIndex: 4, channelConfig: 2 });
  assert.deepEqual([...adtsHeader(config, 100)], [0xff, 0xf1, 0x50, 0x80, 0x0d, 0x7f, 0xfc]);
});

test('HE-AAC is signalled as LC in ADTS; an explicit rate or a huge frame is refused', () => {
  assert.equal(readAdtsConfig(Buffer.from([0x2b, 0x92, 0x08, 0x00])).profile, 1);
  assert.throws(() => readAdtsConfig(Buffer.from([0x17, 0x80, 0, 0, 0])), ProtocolError);
  assert.throws(() => readAdtsConfig(Buffer.from([0x12])), ProtocolError);
  assert.throws(() => adtsHeader({ profile: 1, samplingIndex: 4, channelConfig: 2 }, 9000), ProtocolError);
});

test('H.264 access units get an AUD, SPS and PPS before keyframes, and lose their own AUDs', () => {
  const config = readAvcNalConfig(fixture('h264-baseline-640x360.avcc'));
  assert.equal(config.lengthSize, 4);
  assert.equal(config.parameterSets.length, 2);
  const idr = Buffer.from([0x65, 1, 2, 3]);
  const key = Buffer.concat(annexBAccessUnit(config, avcc(Buffer.from([0x09, 0x10]), idr), true));
  const expected = Buffer.concat([
    Buffer.from([0, 0, 0, 1, 0x09, 0xf0]),
    ...config.parameterSets.flatMap((set) => [Buffer.from([0, 0, 0, 1]), set]),
    Buffer.from([0, 0, 0, 1]), idr,
  ]);
  assert.deepEqual(key, expected);
  const delta = Buffer.concat(annexBAccessUnit(config, avcc(Buffer.from([0x41, 9])), false));
  assert.deepEqual([...delta], [0, 0, 0, 1, 0x09, 0xf0, 0, 0, 0, 1, 0x41, 9]);
});

test('a NAL length that overruns the frame is a ProtocolError', () => {
  assert.throws(() => splitAvcc(Buffer.from([0, 0, 0, 9, 1, 2]), 4), ProtocolError);
  assert.throws(() => splitAvcc(Buffer.from([0, 0]), 4), ProtocolError);
  assert.throws(() => readAvcNalConfig(Buffer.from([1, 2])), ProtocolError);
});

test('HEVC (Enhanced RTMP) goes out as stream type 0x24 with AUD, VPS, SPS and PPS', () => {
  const record = fixture('hevc-main-1920x1080.hvcc');
  const config = readHevcNalConfig(record);
  const types = config.parameterSets.map((nal) => (nal[0]! >> 1) & 0x3f);
  assert.deepEqual(types.slice(0, 3), [32, 33, 34]);

  const writer = new TsFrameWriter();
  const ex = (first: number, payload: Buffer) => Buffer.concat([Buffer.from([first]), Buffer.from('hvc1'), payload]);
  writer.configure({ kind: 'video', timestamp: 0, body: ex(0x90, record), keyframe: false, sequenceHeader: true });
  const tables = writer.start();
  const idr = Buffer.from([0x26, 0x01, 0xaf]);
  // CodedFramesX (3): no composition time.
  const body = ex(0x93, avcc(idr));
  const bytes = writer.encode({ kind: 'video', timestamp: 40, body, keyframe: true, sequenceHeader: false });
  assert.ok(bytes);
  const parsed = readTs(Buffer.concat([...tables, bytes]));
  assert.deepEqual(parsed.streams, [{ pid: 0x100, streamType: 0x24 }]);
  const pes = parsed.pes[0]!;
  assert.equal(pes.pts, 40 * 90);
  assert.deepEqual([...pes.payload.subarray(0, 7)], [0, 0, 0, 1, 0x46, 0x01, 0x50]);
  assert.ok(pes.payload.subarray(-3).equals(idr));
});

test('frames of a track not in the PMT, or of another codec, are left out', () => {
  const writer = new TsFrameWriter();
  writer.start();
  const aac = { kind: 'audio' as const, timestamp: 0, keyframe: false };
  writer.configure({ ...aac, body: Buffer.from([0xaf, 0x00, 0x12, 0x10]), sequenceHeader: true });
  assert.equal(writer.tracksChanged, true);
  assert.equal(writer.encode({ ...aac, body: Buffer.from([0xaf, 0x01, 1, 2]), sequenceHeader: false }), undefined);
  const tables = writer.start();
  assert.equal(writer.tracksChanged, false);
  assert.equal((tables[1]![10]! >> 1) & 0x1f, 1, 'the PMT version moves on with the tracks');
  assert.ok(writer.encode({ ...aac, body: Buffer.from([0xaf, 0x01, 1, 2]), sequenceHeader: false }));
  assert.deepEqual(writer.configure({ ...aac, body: Buffer.from([0xd2, 1, 2]), sequenceHeader: false }), { codec: 'Opus', carried: false });
});

// MP3 frame headers: MPEG-1 Layer III 44.1 kHz stereo, MPEG-2 Layer III 22.05 kHz mono.
const MP3_MPEG1 = Buffer.from([0xff, 0xfb, 0x90, 0x44, 1, 2, 3]);
const MP3_MPEG2 = Buffer.from([0xff, 0xf3, 0x80, 0xc4, 4, 5, 6]);

test('MP3 goes out as it comes, as MPEG-1 (0x03) or MPEG-2 (0x04) audio by its frame header', () => {
  assert.deepEqual(readMpegAudioHeader(MP3_MPEG1), { version: 1, sampleRate: 44100, channels: 2 });
  assert.deepEqual(readMpegAudioHeader(MP3_MPEG2), { version: 2, sampleRate: 22050, channels: 1 });
  assert.throws(() => readMpegAudioHeader(Buffer.from([0xff, 0xeb, 0x90, 0x44])), ProtocolError, 'reserved version');
  for (const [frame, streamType] of [[MP3_MPEG1, 0x03], [MP3_MPEG2, 0x04]] as const) {
    const writer = new TsFrameWriter();
    const mp3 = { kind: 'audio' as const, timestamp: 26, keyframe: false, sequenceHeader: false, body: Buffer.concat([Buffer.from([0x2f]), frame]) };
    assert.deepEqual(writer.configure(mp3), { codec: 'MP3', carried: true });
    const ts = readTs(Buffer.concat([...writer.start(), writer.encode(mp3)!]));
    assert.deepEqual(ts.streams, [{ pid: 0x101, streamType }]);
    assert.ok(ts.pes[0]!.payload.equals(frame));
    assert.equal(ts.pes[0]!.pts, 26 * 90);
  }
});

test('continuity counters run on from one transport stream (segment) to the next', () => {
  const writer = new TsFrameWriter();
  const mp3 = { kind: 'audio' as const, timestamp: 0, keyframe: false, sequenceHeader: false, body: Buffer.concat([Buffer.from([0x2f]), MP3_MPEG1]) };
  writer.configure(mp3);
  const parts: Buffer[] = [];
  for (let i = 0; i < 20; i++) parts.push(...writer.start(), writer.encode(mp3)!);
  // The reader asserts each PID's counter moves on by one, PAT and PMT included.
  assert.equal(readTs(Buffer.concat(parts)).pes.length, 20);
});
