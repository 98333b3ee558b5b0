import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { MediaFrame } from '../../../src/media/frame.js';
import {
  FLV_TAG_TYPE,
  FlvReader,
  type FlvTag,
  encodeFlvTag,
  flvFileHeader,
  flvTagToFrame,
  readFlvFile,
} from '../../../src/formats/flv/index.js';
import { ProtocolError } from '../../../src/util/errors.js';

const FIXTURE = new URL('../../fixtures/h264-aac-2s.flv', import.meta.url);

const frame = (kind: MediaFrame['kind'], timestamp: number, body: number[]): MediaFrame => ({
  kind,
  timestamp,
  body: Buffer.from(body),
  keyframe: false,
  sequenceHeader: false,
});

test('flvFileHeader: signature, version, flags, DataOffset 9, PreviousTagSize0', () => {
  assert.equal(flvFileHeader(true, true).toString('hex'), '464c5601' + '05' + '00000009' + '00000000');
  assert.equal(flvFileHeader(true, false)[4], 0x04);
  assert.equal(flvFileHeader(false, true)[4], 0x01);
  assert.equal(flvFileHeader(false, false)[4], 0x00);
});

test('encodeFlvTag lays out header, body and PreviousTagSize', () => {
  const tag = encodeFlvTag(frame('video', 0x12345678, [0x17, 1, 0, 0, 0]));
  assert.equal(
    tag.toString('hex'),
    '09' + '000005' + '345678' + '12' + '000000' + '1701000000' + '00000010',
  );
  assert.equal(encodeFlvTag(frame('audio', 0, []))[0], FLV_TAG_TYPE.AUDIO);
  assert.equal(encodeFlvTag(frame('data', 0, [2]))[0], FLV_TAG_TYPE.SCRIPT);
  assert.equal(encodeFlvTag(frame('audio', 2 ** 32 + 5, [])).readUIntBE(4, 3), 5); // wraps like FLV time
});

test('encodeFlvTag refuses a body that does not fit 24 bits', () => {
  const huge: MediaFrame = { ...frame('video', 0, []), body: Buffer.alloc(0x1000000) };
  assert.throws(() => encodeFlvTag(huge), ProtocolError);
});

test('ffmpeg fixture -> frames -> encodeFlvTag gives back the identical file', async () => {
  const original = readFileSync(FIXTURE);
  const tags = await readFlvFile(FIXTURE.pathname);
  const rebuilt = Buffer.concat([flvFileHeader(true, true), ...tags.map((t) => encodeFlvTag(flvTagToFrame(t)))]);
  assert.ok(rebuilt.equals(original));
});

test('encode -> read round trip, including extended timestamps', () => {
  const frames = [
    frame('data', 0, [2, 0, 10]),
    frame('video', 0, [0x17, 0, 0, 0, 0, 1]),
    frame('audio', 0xffffff, [0xaf, 1, 0x21]),
    frame('audio', 0x1000000, []),
    frame('video', 0xfffffffe, [0x27, 1, 0, 0, 0]),
  ];
  const tags: FlvTag[] = [];
  const reader = new FlvReader();
  reader.push(Buffer.concat([flvFileHeader(true, true), ...frames.map(encodeFlvTag)]), (t) => tags.push(t));
  reader.end();
  assert.deepEqual(
    tags.map((t) => [t.type, t.timestamp, [...t.body]]),
    frames.map((f) => [encodeFlvTag(f)[0], f.timestamp, [...f.body]]),
  );
});

test('flvTagToFrame classifies bodies with the codec inspectors', () => {
  const key = flvTagToFrame({ type: FLV_TAG_TYPE.VIDEO, timestamp: 40, body: Buffer.from([0x17, 1, 0, 0, 0]) });
  assert.deepEqual({ ...key, body: [...key.body] }, {
    kind: 'video',
    timestamp: 40,
    body: [0x17, 1, 0, 0, 0],
    keyframe: true,
    sequenceHeader: false,
  });
  const aacBody = Buffer.from([0xaf, 0, 0x12, 0x10]);
  const aacHeader = flvTagToFrame({ type: FLV_TAG_TYPE.AUDIO, timestamp: 0, body: aacBody });
  assert.equal(aacHeader.kind, 'audio');
  assert.equal(aacHeader.sequenceHeader, true);
  const meta = flvTagToFrame({ type: FLV_TAG_TYPE.SCRIPT, timestamp: 0, body: Buffer.from([2]) });
  assert.equal(meta.kind, 'data');
  assert.equal(meta.keyframe, false);
});
