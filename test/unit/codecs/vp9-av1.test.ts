import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ObuType, av1ConfigRecord, leb128, parseAv1Config, parseAv1SequenceHeader, readObu, sizedObu, splitObus, unsizedObu } from '../../../src/codecs/av1.js';
import { followTracks, type DescribedTracks } from '../../../src/codecs/describe.js';
import { parseVp9Config, readVp9Keyframe, vp9ConfigRecord } from '../../../src/codecs/vp9.js';
import { ProtocolError } from '../../../src/util/errors.js';
import { fuzzRuns } from '../../support/fuzz.js';
import { av1Units, vp9Frames } from '../webrtc/codec-fixtures.js';

test('a VP9 keyframe header gives profile, bit depth, chroma and size; inter frames give nothing', () => {
  const [key, ...inter] = vp9Frames();
  assert.deepEqual(readVp9Keyframe(key!), { profile: 0, bitDepth: 8, subsamplingX: true, subsamplingY: true, fullRange: false, width: 64, height: 48 });
  for (const frame of inter) assert.equal(readVp9Keyframe(frame), undefined);
  assert.throws(() => readVp9Keyframe(Buffer.from([0x00, 0x00])), ProtocolError, 'no frame marker');
  assert.throws(() => readVp9Keyframe(key!.subarray(0, 3)), ProtocolError, 'truncated');
});

test('the vpcC built from a VP9 keyframe reads back: profile 0, level 1 for 64x48, 8-bit 4:2:0', () => {
  const record = vp9ConfigRecord(readVp9Keyframe(vp9Frames()[0]!)!);
  assert.deepEqual([...record.subarray(0, 7)], [1, 0, 0, 0, 0, 10, (8 << 4) | (1 << 1)]);
  assert.deepEqual(parseVp9Config(record), { codec: 'VP9', profile: 'Profile 0', level: '1' });
});

test('AV1 OBUs: split from a low overhead stream, sized and unsized again', () => {
  const units = av1Units();
  assert.equal(units.length, 3);
  assert.deepEqual(units[0]!.map((obu) => obu.type), [ObuType.SequenceHeader, ObuType.Frame]);
  for (const obu of units.flat()) {
    assert.deepEqual(readObu(sizedObu(obu)).obu, { ...obu, header: Buffer.from([obu.header[0]! | 0x02, ...obu.header.subarray(1)]) });
    const bare = unsizedObu(obu);
    assert.equal(bare[0]! & 0x02, 0);
    assert.deepEqual(readObu(bare).obu.payload, obu.payload);
  }
  assert.deepEqual([...leb128(0)], [0]);
  assert.deepEqual([...leb128(300)], [0xac, 0x02]);
  assert.throws(() => splitObus(Buffer.from([0x0a, 0x05, 1])), ProtocolError, 'an OBU size past the end');
  assert.throws(() => splitObus(Buffer.from([0x8a, 0x00])), ProtocolError, 'the forbidden bit');
});

test('the AV1 sequence header is read to its colour config, and the av1C built from it matches ffmpeg\'s', () => {
  const header = av1Units()[0]![0]!;
  const info = parseAv1SequenceHeader(header.payload);
  assert.deepEqual([info.profile, info.width, info.height, info.highBitdepth, info.monochrome, info.subsamplingX, info.subsamplingY], [0, 64, 48, false, false, true, true]);
  const record = av1ConfigRecord(header);
  assert.deepEqual(parseAv1Config(record), { codec: 'AV1', profile: 'Main', level: `${2 + (info.level >> 2)}.${info.level & 3}`, width: 64, height: 48 });
  // ffmpeg's own record for a 320x240 stream: the fixed bytes we build from its sequence header are its own.
  const ffmpeg = readFileSync(join(import.meta.dirname, '../../fixtures/av1-320x240.av1c'));
  const sequence = splitObus(ffmpeg.subarray(4)).find((obu) => obu.type === ObuType.SequenceHeader)!;
  assert.deepEqual([...av1ConfigRecord(sequence).subarray(0, 3)], [...ffmpeg.subarray(0, 3)]);
});

test('random bytes: the VP9 and AV1 header parsers fail only with ProtocolError', () => {
  const parsers = [readVp9Keyframe, parseAv1SequenceHeader, (b: Buffer) => splitObus(b), (b: Buffer) => av1ConfigRecord({ type: ObuType.SequenceHeader, header: Buffer.from([0x0a]), payload: b })];
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 48 }), (bytes) => {
      for (const parse of parsers) {
        try {
          parse(Buffer.from(bytes));
        } catch (error) {
          if (!(error instanceof ProtocolError)) throw error;
        }
      }
    }),
    fuzzRuns(2000),
  );
});

test('a VP9 stream\'s picture size comes from its first keyframe (the vpcC has none)', () => {
  const tracks: DescribedTracks = { videoTrack: undefined, audioTrack: undefined };
  const ex = (first: number, payload: Buffer): Buffer => Buffer.concat([Buffer.from([first, ...Buffer.from('vp09')]), payload]);
  const [key, inter] = vp9Frames();
  followTracks(tracks, { kind: 'video', timestamp: 0, body: ex(0x90, vp9ConfigRecord(readVp9Keyframe(key!)!)), keyframe: false, sequenceHeader: true });
  assert.equal(tracks.videoTrack?.width, undefined);
  followTracks(tracks, { kind: 'video', timestamp: 0, body: ex(0xa1, inter!), keyframe: false, sequenceHeader: false });
  followTracks(tracks, { kind: 'video', timestamp: 0, body: ex(0x91, Buffer.from([0x00])), keyframe: true, sequenceHeader: false });
  assert.equal(tracks.videoTrack?.width, undefined, 'a damaged keyframe changes nothing');
  followTracks(tracks, { kind: 'video', timestamp: 0, body: ex(0x91, key!), keyframe: true, sequenceHeader: false });
  assert.deepEqual(tracks.videoTrack, { codec: 'VP9', profile: 'Profile 0', level: '1', width: 64, height: 48 });
});
