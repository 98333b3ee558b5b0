import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeAudioConfig, describeVideoConfig } from '../../../src/codecs/describe.js';
import { BitWriter, exAudio, exVideo, fixture, legacyVideo, opusHead } from './helpers.js';

const KEY = 1;
const hevc1080 = { codec: 'HEVC', profile: 'Main', level: '4', width: 1920, height: 1080 };
const avc1080 = { codec: 'H264', profile: 'High', level: '4', width: 1920, height: 1080 };

test('legacy AVC and HEVC (codec id 12) sequence headers', () => {
  assert.deepEqual(describeVideoConfig(legacyVideo(KEY, 7, 0, fixture('h264-high-1920x1080.avcc'))), avc1080);
  assert.deepEqual(describeVideoConfig(legacyVideo(KEY, 12, 0, fixture('hevc-main-1920x1080.hvcc'))), hevc1080);
});

test('enhanced RTMP sequence starts: hvc1, avc1, av01, vp09', () => {
  assert.deepEqual(describeVideoConfig(exVideo(KEY, 0, 'hvc1', fixture('hevc-main-1920x1080.hvcc'))), hevc1080);
  assert.deepEqual(describeVideoConfig(exVideo(KEY, 0, 'avc1', fixture('h264-high-1920x1080.avcc'))), avc1080);
  assert.deepEqual(describeVideoConfig(exVideo(KEY, 0, 'av01', fixture('av1-320x240.av1c'))), {
    codec: 'AV1',
    profile: 'Main',
    level: '2.0',
    width: 320,
    height: 240,
  });
  const vp9 = { codec: 'VP9', profile: 'Profile 0', level: '2' };
  const vpcc = fixture('vp9-320x240.vpcc'); // as stored in MP4: FullBox version and flags first
  assert.deepEqual(describeVideoConfig(exVideo(KEY, 0, 'vp09', vpcc)), vp9);
  // As ffmpeg's FLV muxer writes it: the bare record.
  assert.deepEqual(describeVideoConfig(exVideo(KEY, 0, 'vp09', vpcc.subarray(4))), vp9);
});

test('AV1 record without config OBUs still gives profile and level', () => {
  const av1c = Buffer.from([0x81, (1 << 5) | 9, 0, 0]);
  assert.deepEqual(describeVideoConfig(exVideo(KEY, 0, 'av01', av1c)), {
    codec: 'AV1',
    profile: 'High',
    level: '4.1',
  });
  // MPEG-2 TS style start: a descriptor, not an av1C, so just the codec.
  assert.deepEqual(describeVideoConfig(exVideo(KEY, 5, 'av01', Buffer.from([0x80, 1]))), { codec: 'AV1' });
});

test('AV1 sequence header with timing and decoder model info', () => {
  // sequence_header_obu() walking every optional branch on the way to the frame size.
  const w = new BitWriter().u(3, 0).flag(false).flag(false); // profile, still_picture, reduced header
  w.flag(true).u(32, 1).u(32, 60).flag(true).u(3, 0b010); // timing_info, uvlc(1)
  w.flag(true).u(5, 9).u(32, 1).u(5, 4).u(5, 4); // decoder_model_info, 10-bit buffer delays
  w.flag(true).u(5, 1); // initial_display_delay_present_flag, two operating points
  w.u(12, 0x101).u(5, 9).u(1, 0); // point 0: level 4.1 > 7, so a tier bit
  w.flag(true).u(10, 5).u(10, 6).flag(false); // decoder model for this op
  w.flag(true).u(4, 3); // initial display delay for this op
  w.u(12, 0).u(5, 1).flag(false).flag(false); // point 1: level 2.1, no extras
  w.u(4, 10).u(4, 9).u(11, 1279).u(10, 719); // 1280x720
  const obu = w.bytes();
  const av1c = Buffer.concat([Buffer.from([0x81, 0x09, 0, 0, 0x0a, obu.length]), obu]);
  assert.deepEqual(describeVideoConfig(exVideo(KEY, 0, 'av01', av1c)), {
    codec: 'AV1',
    profile: 'Main',
    level: '4.1',
    width: 1280,
    height: 720,
  });
});

test('multitrack sequence starts describe the first track', () => {
  const hvcc = fixture('hevc-main-1920x1080.hvcc');
  const multitrack = (type: number, ...rest: Buffer[]) =>
    Buffer.concat([Buffer.from([0x80 | (KEY << 4) | 6, type << 4]), Buffer.from('hvc1'), Buffer.from([0]), ...rest]);
  const one = multitrack(0, hvcc);
  const many = multitrack(1, Buffer.from([0, hvcc.length >> 8, hvcc.length & 0xff]), hvcc);
  assert.deepEqual(describeVideoConfig(one), hevc1080);
  assert.deepEqual(describeVideoConfig(many), hevc1080);
});

test('coded frames, configless legacy codecs and garbage', () => {
  assert.equal(describeVideoConfig(legacyVideo(KEY, 7, 1, Buffer.from([0, 0, 0, 2, 9, 0x10]))), undefined);
  assert.equal(describeVideoConfig(exVideo(KEY, 1, 'hvc1', Buffer.from([0, 0, 0, 1]))), undefined);
  assert.deepEqual(describeVideoConfig(Buffer.from([0x22, 0, 0])), { codec: 'H263' });
  assert.deepEqual(describeVideoConfig(exVideo(KEY, 0, 'vp08')), { codec: 'VP8' });
  assert.equal(describeVideoConfig(exVideo(KEY, 0, 'vvc1', Buffer.from([1]))), undefined);
  assert.equal(describeVideoConfig(Buffer.alloc(0)), undefined);
  assert.equal(describeVideoConfig(legacyVideo(KEY, 7, 0, Buffer.from([1, 0x64, 0, 0x28]))), undefined);
  const cutHvcc = fixture('hevc-main-1920x1080.hvcc').subarray(0, 60);
  assert.equal(describeVideoConfig(exVideo(KEY, 0, 'hvc1', cutHvcc)), undefined);
  assert.equal(describeVideoConfig(exVideo(KEY, 0, 'av01', Buffer.from([0x81, 0, 0, 0, 0x0a, 5, 0]))), undefined);
});

test('AAC sequence headers, legacy and enhanced', () => {
  const lc = { codec: 'AAC', profile: 'LC', sampleRate: 44100, channels: 2 };
  assert.deepEqual(describeAudioConfig(Buffer.from([0xaf, 0, 0x12, 0x10])), lc);
  assert.deepEqual(describeAudioConfig(exAudio(0, 'mp4a', Buffer.from([0x12, 0x10]))), lc);
  const modEx = Buffer.from([0x97, 0, 1, 0x00, 0x6d, 0x70, 0x34, 0x61, 0x12, 0x10]); // ModEx around 'mp4a'
  assert.deepEqual(describeAudioConfig(modEx), lc);
  assert.equal(describeAudioConfig(Buffer.from([0xaf, 1, 0x21, 0x10])), undefined);
  assert.equal(describeAudioConfig(Buffer.from([0xaf, 0, 0x12])), undefined);
});

test('Opus: channels from OpusHead, 48 kHz decoding rate', () => {
  assert.deepEqual(describeAudioConfig(exAudio(0, 'Opus', opusHead(2, 44100))), {
    codec: 'Opus',
    sampleRate: 48000,
    channels: 2,
  });
  const tags = exAudio(0, 'Opus', Buffer.from('OpusTags'));
  assert.deepEqual(describeAudioConfig(tags), { codec: 'Opus', sampleRate: 48000 });
  assert.equal(describeAudioConfig(exAudio(1, 'Opus', Buffer.from([0xfc]))), undefined);
});

test('other enhanced codecs are named; legacy formats use their flag bits', () => {
  assert.deepEqual(describeAudioConfig(exAudio(0, 'fLaC', Buffer.alloc(34))), { codec: 'FLAC' });
  const mp3 = { codec: 'MP3', sampleRate: 44100, channels: 2 };
  assert.deepEqual(describeAudioConfig(Buffer.from([0x2f, 0xff, 0xfb])), mp3);
  assert.deepEqual(describeAudioConfig(Buffer.from([0x22, 0xff])), { codec: 'MP3', sampleRate: 5512, channels: 1 });
  assert.deepEqual(describeAudioConfig(Buffer.from([0x72, 0xd5])), { codec: 'G711A', sampleRate: 8000, channels: 1 });
  assert.deepEqual(describeAudioConfig(Buffer.from([0xb6, 0])), { codec: 'Speex', sampleRate: 16000, channels: 1 });
  assert.equal(describeAudioConfig(exAudio(0, 'xyz!')), undefined);
  assert.equal(describeAudioConfig(Buffer.from([0x90])), undefined);
  assert.equal(describeAudioConfig(Buffer.alloc(0)), undefined);
});
