import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspectAudio, inspectVideo, readVideoTagHeader } from '../../../src/codecs/inspect.js';
import { exAudio, exVideo } from './helpers.js';

const KEY = 1;
const INTER = 2;
const traits = (codec: string, keyframe: boolean, sequenceHeader: boolean) => ({ codec, keyframe, sequenceHeader });
const UNKNOWN = traits('unknown', false, false);
const bytes = (...parts: (number[] | string)[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

test('legacy AVC and HEVC (codec id 12) video', () => {
  assert.deepEqual(inspectVideo(bytes([0x17, 0, 0, 0, 0, 1, 0x64])), traits('H264', false, true));
  assert.deepEqual(inspectVideo(bytes([0x17, 1, 0, 0, 0x28, 0, 0, 0, 1])), traits('H264', true, false));
  assert.deepEqual(inspectVideo(bytes([0x27, 1, 0, 0, 0x28])), traits('H264', false, false));
  assert.deepEqual(inspectVideo(bytes([0x17, 2, 0, 0, 0])), traits('H264', false, false)); // end of sequence
  assert.deepEqual(inspectVideo(bytes([0x1c, 0, 0, 0, 0, 1])), traits('HEVC', false, true));
  assert.deepEqual(inspectVideo(bytes([0x2c, 1, 0, 0, 0])), traits('HEVC', false, false));
});

test('legacy codecs without packet types, and command frames', () => {
  assert.deepEqual(inspectVideo(bytes([0x12, 0, 0])), traits('H263', true, false));
  assert.deepEqual(inspectVideo(bytes([0x24, 0])), traits('VP6', false, false));
  assert.deepEqual(inspectVideo(bytes([0x57, 0])), traits('H264', false, false)); // seek start
});

test('short, empty or reserved-codec video is unknown', () => {
  for (const body of [[], [0x17], [0x17, 0], [0x17, 0, 0, 0], [0x1f, 0, 0, 0, 0], [0x10]]) {
    assert.deepEqual(inspectVideo(Buffer.from(body)), UNKNOWN, `body ${body}`);
  }
});

test('enhanced video: packet types and FourCCs', () => {
  assert.deepEqual(inspectVideo(exVideo(KEY, 0, 'hvc1', bytes([1]))), traits('HEVC', false, true));
  assert.deepEqual(inspectVideo(exVideo(KEY, 1, 'hvc1', bytes([0, 0, 0, 0, 0, 0, 1]))), traits('HEVC', true, false));
  assert.deepEqual(inspectVideo(exVideo(INTER, 3, 'hvc1', bytes([0, 0, 0, 1]))), traits('HEVC', false, false));
  assert.deepEqual(inspectVideo(exVideo(KEY, 0, 'av01')), traits('AV1', false, true));
  assert.deepEqual(inspectVideo(exVideo(KEY, 5, 'av01')), traits('AV1', false, true)); // MPEG2TSSequenceStart
  assert.deepEqual(inspectVideo(exVideo(KEY, 2, 'av01')), traits('AV1', false, false)); // SequenceEnd
  assert.deepEqual(inspectVideo(exVideo(KEY, 4, 'av01', bytes([2]))), traits('AV1', false, false)); // Metadata
  assert.deepEqual(inspectVideo(exVideo(INTER, 1, 'vp09', bytes([1]))), traits('VP9', false, false));
  assert.deepEqual(inspectVideo(exVideo(KEY, 1, 'avc1', bytes([0, 0, 0]))), traits('H264', true, false));
  assert.deepEqual(inspectVideo(exVideo(KEY, 0, 'vp08')), traits('VP8', false, true));
});

test('enhanced video: unknown FourCC keeps its flags; truncation and commands do not', () => {
  assert.deepEqual(inspectVideo(exVideo(KEY, 3, 'vvc1')), traits('unknown', true, false));
  assert.deepEqual(inspectVideo(exVideo(KEY, 0, 'vvc1')), traits('unknown', false, true));
  assert.deepEqual(inspectVideo(bytes([0x90], 'hvc')), UNKNOWN);
  assert.deepEqual(inspectVideo(exVideo(KEY, 1, 'hvc1', bytes([0, 0]))), UNKNOWN); // no room for CTS
  assert.deepEqual(inspectVideo(bytes([0x80 | (5 << 4) | 1, 0])), UNKNOWN); // command frame
});

test('enhanced video: multitrack, all three kinds', () => {
  const one = bytes([0x80 | (KEY << 4) | 6, 0x00], 'hvc1', [0], [1, 2, 3]);
  const many = bytes([0x80 | (INTER << 4) | 6, 0x11], 'av01', [0, 0, 0, 3], [1, 2, 3]);
  const manyCodecs = bytes([0x80 | (KEY << 4) | 6, 0x20], 'avc1', [0, 0, 0, 3], [1, 2, 3]);
  assert.deepEqual(inspectVideo(one), traits('HEVC', false, true));
  assert.deepEqual(inspectVideo(many), traits('AV1', false, false));
  assert.deepEqual(inspectVideo(manyCodecs), traits('H264', false, true));
  assert.equal(readVideoTagHeader(many).payloadOffset, 10);
});

test('enhanced video: ModEx is skipped with 8- and 16-bit sizes', () => {
  const short = bytes([0x80 | (KEY << 4) | 7, 2, 9, 9, 9, 0x01], 'av01', [1]);
  assert.deepEqual(inspectVideo(short), traits('AV1', true, false));
  const long = bytes([0x80 | (KEY << 4) | 7, 0xff, 0x01, 0x00], Array(257).fill(7), [0x00], 'vp09');
  assert.deepEqual(inspectVideo(long), traits('VP9', false, true));
  const chained = bytes([0x80 | (KEY << 4) | 7, 0, 1, 0x07, 0, 1, 0x00], 'hvc1');
  assert.deepEqual(inspectVideo(chained), traits('HEVC', false, true));
  assert.deepEqual(inspectVideo(bytes([0x80 | (KEY << 4) | 7, 5, 1])), UNKNOWN);
});

test('legacy audio', () => {
  assert.deepEqual(inspectAudio(bytes([0xaf, 0, 0x12, 0x10])), traits('AAC', false, true));
  assert.deepEqual(inspectAudio(bytes([0xaf, 1, 0x21])), traits('AAC', false, false));
  assert.deepEqual(inspectAudio(bytes([0x2f, 0xff, 0xfb])), traits('MP3', false, false));
  assert.deepEqual(inspectAudio(bytes([0x72, 0])), traits('G711A', false, false));
  assert.deepEqual(inspectAudio(bytes([0xbe, 0])), traits('Speex', false, false));
  for (const body of [[], [0xaf], [0xcf, 0]]) assert.deepEqual(inspectAudio(Buffer.from(body)), UNKNOWN);
});

test('enhanced audio: packet types, FourCCs, multitrack and ModEx', () => {
  assert.deepEqual(inspectAudio(exAudio(0, 'Opus', bytes('OpusHead'))), traits('Opus', false, true));
  assert.deepEqual(inspectAudio(exAudio(1, 'Opus', bytes([0xfc]))), traits('Opus', false, false));
  assert.deepEqual(inspectAudio(exAudio(4, 'Opus', bytes([1, 2, 0, 0, 0, 3]))), traits('Opus', false, false));
  assert.deepEqual(inspectAudio(exAudio(0, 'fLaC')), traits('FLAC', false, true));
  assert.deepEqual(inspectAudio(exAudio(0, 'mp4a', bytes([0x12, 0x10]))), traits('AAC', false, true));
  assert.deepEqual(inspectAudio(exAudio(1, 'ac-3')), traits('AC3', false, false));
  assert.deepEqual(inspectAudio(exAudio(1, 'ec-3')), traits('EAC3', false, false));
  assert.deepEqual(inspectAudio(exAudio(1, '.mp3')), traits('MP3', false, false));
  assert.deepEqual(inspectAudio(exAudio(0, 'abcd')), traits('unknown', false, true));
  const multitrack = bytes([0x95, 0x10], 'mp4a', [1, 0, 0, 2], [0x12, 0x10]);
  assert.deepEqual(inspectAudio(multitrack), traits('AAC', false, true));
  const modEx = bytes([0x97, 0, 5, 0x00], 'Opus');
  assert.deepEqual(inspectAudio(modEx), traits('Opus', false, true));
  assert.deepEqual(inspectAudio(bytes([0x90], 'Op')), UNKNOWN);
});
