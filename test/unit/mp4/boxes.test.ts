import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fragment } from '../../../src/formats/mp4/fragment.js';
import { initSegment } from '../../../src/formats/mp4/init-segment.js';
import { esds } from '../../../src/formats/mp4/sample-entry.js';
import type { Mp4Track } from '../../../src/formats/mp4/track.js';
import { find, findAll, walk } from './walker.js';

const avcC = readFileSync(new URL('../../fixtures/h264-baseline-640x360.avcc', import.meta.url));
const hvcC = readFileSync(new URL('../../fixtures/hevc-main-1920x1080.hvcc', import.meta.url));
const ASC = Buffer.from([0x12, 0x10]); // AAC LC, 44100 Hz, stereo

const video: Mp4Track = { id: 1, kind: 'video', codec: 'avc1', timescale: 1000, config: avcC, width: 640, height: 360 };
const audio: Mp4Track = { id: 2, kind: 'audio', codec: 'mp4a', timescale: 44100, config: ASC, sampleRate: 44100, channels: 2 };

test('init segment: ftyp then moov with mvhd, one trak per track and mvex/trex; sizes nest exactly', () => {
  const init = initSegment([video, audio]);
  const boxes = walk(init); // throws on any size that does not add up
  assert.deepEqual(boxes.map((b) => b.type), ['ftyp', 'moov']);
  assert.equal(boxes[0]!.payload.toString('latin1', 0, 4), 'isom');
  const moov = boxes[1]!;
  assert.deepEqual(moov.children.map((b) => b.type), ['mvhd', 'trak', 'trak', 'mvex']);
  assert.equal(find(boxes, 'moov', 'mvhd').size, 108);
  assert.equal(find(boxes, 'moov', 'mvhd').payload.readUInt32BE(96), 3, 'next_track_ID');
  const [vtrak, atrak] = findAll(moov.children, 'trak');
  assert.deepEqual(vtrak!.children.map((b) => b.type), ['tkhd', 'mdia']);
  const tkhd = vtrak!.children[0]!;
  assert.equal(tkhd.size, 92);
  assert.equal(tkhd.payload.readUInt32BE(0) & 0xffffff, 3, 'enabled, in movie');
  assert.equal(tkhd.payload.readUInt32BE(12), 1, 'track_ID');
  assert.equal(tkhd.payload.readUInt32BE(76), 640 << 16);
  assert.equal(tkhd.payload.readUInt32BE(80), 360 << 16);
  assert.deepEqual(find([vtrak!], 'trak', 'mdia').children.map((b) => b.type), ['mdhd', 'hdlr', 'minf']);
  assert.equal(find([vtrak!], 'trak', 'mdia', 'mdhd').payload.readUInt32BE(12), 1000, 'video timescale');
  assert.equal(find([atrak!], 'trak', 'mdia', 'mdhd').payload.readUInt32BE(12), 44100, 'audio timescale = sample rate');
  assert.equal(find([vtrak!], 'trak', 'mdia', 'hdlr').payload.toString('latin1', 8, 12), 'vide');
  assert.equal(find([atrak!], 'trak', 'mdia', 'hdlr').payload.toString('latin1', 8, 12), 'soun');
  assert.deepEqual(find([vtrak!], 'trak', 'mdia', 'minf').children.map((b) => b.type), ['vmhd', 'dinf', 'stbl']);
  assert.deepEqual(find([atrak!], 'trak', 'mdia', 'minf').children.map((b) => b.type), ['smhd', 'dinf', 'stbl']);
  assert.deepEqual(find([vtrak!], 'trak', 'mdia', 'minf', 'dinf', 'dref').children.map((b) => b.type), ['url ']);
  const stbl = find([vtrak!], 'trak', 'mdia', 'minf', 'stbl');
  assert.deepEqual(stbl.children.map((b) => b.type), ['stsd', 'stts', 'stsc', 'stsz', 'stco']);
  for (const trex of find(boxes, 'moov', 'mvex').children) assert.equal(trex.type, 'trex');
  assert.deepEqual(find(boxes, 'moov', 'mvex').children.map((b) => b.payload.readUInt32BE(4)), [1, 2]);
});

test('avc1 sample entry: dimensions, then avcC holding the decoder configuration record as is', () => {
  const boxes = walk(initSegment([video]));
  const avc1 = find(boxes, 'moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd', 'avc1');
  assert.equal(avc1.payload.readUInt16BE(6), 1, 'data_reference_index');
  assert.equal(avc1.payload.readUInt16BE(24), 640);
  assert.equal(avc1.payload.readUInt16BE(26), 360);
  assert.equal(avc1.payload.readUInt16BE(74), 0x18, 'depth');
  assert.equal(avc1.size, 8 + 78 + 8 + avcC.length);
  assert.deepEqual(find(avc1.children, 'avcC').payload, avcC);
});

test('hvc1 sample entry carries hvcC', () => {
  const track: Mp4Track = { ...video, codec: 'hvc1', config: hvcC, width: 1920, height: 1080 };
  const hvc1 = find(walk(initSegment([track])), 'moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd', 'hvc1');
  assert.deepEqual(find(hvc1.children, 'hvcC').payload, hvcC);
});

test('mp4a sample entry and esds: channels, 16.16 rate, descriptors wrapping the AudioSpecificConfig', () => {
  const mp4a = find(walk(initSegment([audio])), 'moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd', 'mp4a');
  assert.equal(mp4a.payload.readUInt16BE(16), 2, 'channelcount');
  assert.equal(mp4a.payload.readUInt16BE(18), 16, 'samplesize');
  assert.equal(mp4a.payload.readUInt32BE(24), 44100 * 65536);
  const box = find(mp4a.children, 'esds');
  assert.deepEqual(box.payload, esds(audio).subarray(8));
  assert.equal(
    box.payload.toString('hex'),
    '00000000' + // version, flags
      '03' + '19' + '0002' + '00' + // ES_Descriptor, size 25, ES_ID, flags
      '04' + '11' + '40' + '15' + '000000' + '00000000' + '00000000' + // DecoderConfig: AAC, audio stream
      '05' + '02' + '1210' + // DecoderSpecificInfo: the AudioSpecificConfig
      '06' + '01' + '02', // SLConfig: MP4
  );
});

test('fragment: moof (mfhd, traf per track) + mdat; trun v1 data offsets point at each track\'s samples', () => {
  const v = [Buffer.from('keyframe'), Buffer.from('p1')];
  const a = [Buffer.from('aac0'), Buffer.from('aac1'), Buffer.from('aac2')];
  const bytes = fragment(7, [
    { trackId: 1, baseDecodeTime: 40, samples: [
      { data: v[0]!, duration: 40, compositionOffset: 80, sync: true },
      { data: v[1]!, duration: 40, compositionOffset: -40, sync: false },
    ] },
    { trackId: 2, baseDecodeTime: 1764, samples: a.map((data) => ({ data, duration: 1024, compositionOffset: 0, sync: true })) },
    { trackId: 3, baseDecodeTime: 0, samples: [] }, // an empty run is left out
  ]);
  const boxes = walk(bytes);
  assert.deepEqual(boxes.map((b) => b.type), ['moof', 'mdat']);
  const moof = boxes[0]!;
  assert.deepEqual(moof.children.map((b) => b.type), ['mfhd', 'traf', 'traf']);
  assert.equal(moof.children[0]!.payload.readUInt32BE(4), 7, 'sequence number');
  const [vtraf, atraf] = findAll(moof.children, 'traf');
  assert.deepEqual(vtraf!.children.map((b) => b.type), ['tfhd', 'tfdt', 'trun']);
  const tfhd = vtraf!.children[0]!.payload;
  assert.equal(tfhd.readUInt32BE(0), 0x020000, 'default-base-is-moof');
  assert.equal(tfhd.readUInt32BE(4), 1);
  const tfdt = vtraf!.children[1]!.payload;
  assert.equal(tfdt[0], 1, 'version 1, 64-bit time');
  assert.equal(tfdt.readBigUInt64BE(4), 40n);
  assert.equal(atraf!.children[1]!.payload.readBigUInt64BE(4), 1764n);

  const trun = vtraf!.children[2]!.payload;
  assert.equal(trun[0], 1, 'version 1: signed composition offsets');
  assert.equal(trun.readUInt32BE(0) & 0xffffff, 0xf01);
  assert.equal(trun.readUInt32BE(4), 2, 'sample count');
  const dataOffset = trun.readInt32BE(8);
  assert.deepEqual(bytes.subarray(moof.offset + dataOffset, moof.offset + dataOffset + 8), v[0]);
  // Per sample: duration, size, flags, composition offset.
  assert.deepEqual([trun.readUInt32BE(12), trun.readUInt32BE(16), trun.readUInt32BE(20), trun.readInt32BE(24)], [40, 8, 0x02000000, 80]);
  assert.deepEqual([trun.readUInt32BE(28), trun.readUInt32BE(32), trun.readUInt32BE(36), trun.readInt32BE(40)], [40, 2, 0x01010000, -40]);

  const atrun = atraf!.children[2]!.payload;
  const audioOffset = atrun.readInt32BE(8);
  assert.equal(audioOffset, dataOffset + 10, 'audio follows the video samples');
  assert.equal(bytes.subarray(moof.offset + audioOffset).toString(), 'aac0aac1aac2');
  assert.equal(boxes[1]!.payload.toString(), 'keyframep1aac0aac1aac2');
});
