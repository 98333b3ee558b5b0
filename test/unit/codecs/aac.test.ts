import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAacConfig } from '../../../src/codecs/aac.js';
import { ProtocolError } from '../../../src/util/errors.js';
import { BitWriter } from './helpers.js';

test('AAC-LC 44.1 kHz stereo (the 0x12 0x10 everyone sends)', () => {
  assert.deepEqual(parseAacConfig(Buffer.from([0x12, 0x10])), {
    codec: 'AAC',
    profile: 'LC',
    sampleRate: 44100,
    channels: 2,
  });
});

test('explicit HE-AAC reports the SBR output rate', () => {
  // AOT 5, core 24 kHz (6), stereo, extension rate 48 kHz (3), then AOT 2.
  const asc = new BitWriter().u(5, 5).u(4, 6).u(4, 2).u(4, 3).u(5, 2).bytes();
  assert.deepEqual(parseAacConfig(asc), { codec: 'AAC', profile: 'HE', sampleRate: 48000, channels: 2 });
});

test('HE-AAC v2 (PS) turns a mono core into stereo', () => {
  const asc = new BitWriter().u(5, 29).u(4, 7).u(4, 1).u(4, 4).u(5, 2).bytes();
  assert.deepEqual(parseAacConfig(asc), { codec: 'AAC', profile: 'HEv2', sampleRate: 44100, channels: 2 });
});

test('escaped object type and explicit sample rate', () => {
  // AOT 31 + 6 bits (32 + 7 = 39, ELD), rate index 15 + 24-bit 50000 Hz, 7.1 (config 7).
  const asc = new BitWriter().u(5, 31).u(6, 7).u(4, 15).u(24, 50000).u(4, 7).bytes();
  assert.deepEqual(parseAacConfig(asc), { codec: 'AAC', profile: 'ELD', sampleRate: 50000, channels: 8 });
});

test('channel configuration 0 (program config element) leaves channels unknown', () => {
  const info = parseAacConfig(new BitWriter().u(5, 2).u(4, 3).u(4, 0).bytes());
  assert.equal(info.channels, undefined);
  assert.equal(info.sampleRate, 48000);
});

test('truncated or reserved configs throw ProtocolError', () => {
  assert.throws(() => parseAacConfig(Buffer.alloc(0)), ProtocolError);
  assert.throws(() => parseAacConfig(Buffer.from([0x12])), ProtocolError);
  assert.throws(() => parseAacConfig(new BitWriter().u(5, 2).u(4, 13).u(4, 2).bytes()), /reserved/);
});
