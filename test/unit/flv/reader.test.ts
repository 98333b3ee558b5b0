import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeAudioConfig, describeVideoConfig } from '../../../src/codecs/describe.js';
import { PacketType, inspectVideo, readVideoTagHeader } from '../../../src/codecs/inspect.js';
import { FLV_TAG_TYPE, FlvReader, type FlvTag, flvFileHeader, readFlvFile } from '../../../src/formats/flv/index.js';
import { ProtocolError } from '../../../src/util/errors.js';

const FIXTURE = new URL('../../fixtures/h264-aac-2s.flv', import.meta.url);
const fixtureBytes = readFileSync(FIXTURE);

function readAll(chunks: Buffer[], options?: { maxTagSize?: number }): FlvTag[] {
  const tags: FlvTag[] = [];
  const reader = new FlvReader(options);
  for (const chunk of chunks) reader.push(chunk, (tag) => tags.push(tag));
  reader.end();
  return tags;
}

/** A hand-made tag with its PreviousTagSize. */
function rawTag(type: number, timestamp: number, body: Buffer): Buffer {
  const tag = Buffer.alloc(11 + body.length + 4);
  tag[0] = type;
  tag.writeUIntBE(body.length, 1, 3);
  tag.writeUIntBE(timestamp & 0xffffff, 4, 3);
  tag[7] = timestamp >>> 24;
  body.copy(tag, 11);
  tag.writeUInt32BE(11 + body.length, 11 + body.length);
  return tag;
}

test('ffmpeg fixture: metadata, then H.264 and AAC sequence headers', async () => {
  const tags = await readFlvFile(FIXTURE.pathname);
  assert.equal(tags.length, 142);
  assert.equal(tags[0]!.type, FLV_TAG_TYPE.SCRIPT);
  const video = tags.filter((t) => t.type === FLV_TAG_TYPE.VIDEO);
  const audio = tags.filter((t) => t.type === FLV_TAG_TYPE.AUDIO);
  assert.deepEqual(inspectVideo(video[0]!.body), { codec: 'H264', keyframe: false, sequenceHeader: true });
  const endOfSequence = video.at(-1)!.body;
  assert.deepEqual(inspectVideo(endOfSequence), { codec: 'H264', keyframe: false, sequenceHeader: false });
  // What ffprobe reports for this file: High@1.3 320x240, AAC LC 44.1 kHz stereo.
  assert.deepEqual(describeVideoConfig(video[0]!.body), {
    codec: 'H264',
    profile: 'High',
    level: '1.3',
    width: 320,
    height: 240,
  });
  assert.deepEqual(describeAudioConfig(audio[0]!.body), {
    codec: 'AAC',
    profile: 'LC',
    sampleRate: 44100,
    channels: 2,
  });
});

test("keyframe flags match ffprobe's", async () => {
  const csv = readFileSync(new URL('../../fixtures/h264-aac-2s.video-packets.csv', import.meta.url), 'latin1');
  const expected = csv
    .trim()
    .split('\n')
    .map((line) => {
      const [dts, flags] = line.split(',');
      return [Number(dts), flags!.startsWith('K')];
    });
  const tags = await readFlvFile(FIXTURE.pathname);
  // ffprobe lists coded pictures only: no sequence header, no end-of-sequence tag.
  const actual = tags
    .filter((t) => t.type === FLV_TAG_TYPE.VIDEO && readVideoTagHeader(t.body).packetType === PacketType.CodedFrames)
    .map((t) => [t.timestamp, inspectVideo(t.body).keyframe]);
  assert.deepEqual(actual, expected);
});

test('byte-at-a-time input gives the same tags as one push', () => {
  const whole = readAll([fixtureBytes]);
  const bytes = [...Array(fixtureBytes.length).keys()].map((i) => fixtureBytes.subarray(i, i + 1));
  const split = readAll(bytes);
  assert.equal(split.length, whole.length);
  split.forEach((tag, i) => assert.deepEqual(tag, whole[i]));
});

test('a small file split at every byte', () => {
  const small = Buffer.concat([
    flvFileHeader(true, true),
    rawTag(FLV_TAG_TYPE.SCRIPT, 0, Buffer.from([2, 0, 10, 0x6f, 0x6e])),
    rawTag(FLV_TAG_TYPE.VIDEO, 0, Buffer.from([0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1f])),
    rawTag(FLV_TAG_TYPE.AUDIO, 0x01020304, Buffer.from([0xaf, 0, 0x12, 0x10])),
    rawTag(FLV_TAG_TYPE.AUDIO, 0x01020305, Buffer.alloc(0)),
  ]);
  const whole = readAll([small]);
  assert.equal(whole.length, 4);
  assert.equal(whole[2]!.timestamp, 0x01020304);
  for (let at = 0; at <= small.length; at++) {
    assert.deepEqual(readAll([small.subarray(0, at), small.subarray(at)]), whole, `split at ${at}`);
  }
});

test('a longer header (DataOffset > 9) is skipped', () => {
  const header = Buffer.concat([flvFileHeader(false, true), Buffer.alloc(3)]);
  header.writeUInt32BE(12, 5);
  const tags = readAll([header, rawTag(FLV_TAG_TYPE.VIDEO, 7, Buffer.from([0x27, 1, 0, 0, 0]))]);
  assert.deepEqual(tags.map((t) => t.timestamp), [7]);
});

test('truncated input throws ProtocolError at end()', () => {
  assert.throws(() => readAll([]), /no file header/);
  for (const cut of [5, 9, 12, 14, 30, fixtureBytes.length - 1]) {
    assert.throws(() => readAll([fixtureBytes.subarray(0, cut)]), ProtocolError, `cut at ${cut}`);
  }
});

test('readFlvFile rejects a truncated file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-flv-'));
  try {
    const path = join(dir, 'cut.flv');
    writeFileSync(path, fixtureBytes.subarray(0, 1000));
    await assert.rejects(readFlvFile(path), ProtocolError);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('garbage is rejected with ProtocolError', () => {
  const header = flvFileHeader(true, true);
  const cases: [string, Buffer, RegExp][] = [
    ['signature', Buffer.from('GIF89a\0\0\0\0\0\0\0'), /bad signature/],
    ['header size', Buffer.from([0x46, 0x4c, 0x56, 1, 5, 0, 0, 0, 8]), /header size/],
    ['tag type', Buffer.concat([header, rawTag(7, 0, Buffer.alloc(2))]), /unknown FLV tag type 7/],
    ['encrypted', Buffer.concat([header, rawTag(0x20 | 9, 0, Buffer.alloc(2))]), /encrypted/],
  ];
  for (const [name, bytes, message] of cases) {
    assert.throws(() => new FlvReader().push(bytes, () => {}), message, name);
  }
});

test('an oversized tag is refused from its header alone, and the reader stays failed', () => {
  const reader = new FlvReader({ maxTagSize: 1000 });
  const tagHeader = rawTag(FLV_TAG_TYPE.VIDEO, 0, Buffer.alloc(1001)).subarray(0, 11);
  const input = Buffer.concat([flvFileHeader(true, true), tagHeader]);
  assert.throws(() => reader.push(input, () => {}), /exceeds the 1000-byte limit/);
  assert.throws(() => reader.push(Buffer.alloc(1), () => {}), /exceeds/);
  assert.throws(() => reader.end(), /exceeds/);
  // The default limit (8 MiB) is below the 24-bit maximum.
  const big = Buffer.concat([flvFileHeader(true, true), Buffer.from([9, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0])]);
  assert.throws(() => new FlvReader().push(big, () => {}), ProtocolError);
});

test('an error thrown by onTag does not break the reader', () => {
  const reader = new FlvReader();
  const tags: number[] = [];
  const input = Buffer.concat([
    flvFileHeader(true, false),
    rawTag(FLV_TAG_TYPE.AUDIO, 1, Buffer.from([0x2f])),
    rawTag(FLV_TAG_TYPE.AUDIO, 2, Buffer.from([0x2f])),
  ]);
  assert.throws(
    () =>
      reader.push(input, () => {
        throw new Error('listener bug');
      }),
    /listener bug/,
  );
  reader.push(Buffer.alloc(0), (tag) => tags.push(tag.timestamp));
  reader.end();
  assert.deepEqual(tags, [2]);
});
