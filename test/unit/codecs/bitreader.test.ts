import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BitReader, unescapeRbsp } from '../../../src/codecs/bitreader.js';
import { ProtocolError } from '../../../src/util/errors.js';
import { BitWriter, escapeRbsp } from './helpers.js';

test('reads fixed-width fields MSB first, up to 32 bits unsigned', () => {
  const b = new BitReader(Buffer.from([0b10110000, 0xff, 0xff, 0xff, 0xff]));
  assert.equal(b.bit(), 1);
  assert.equal(b.bits(3), 0b011);
  assert.equal(b.bits(4), 0);
  assert.equal(b.bits(32), 0xffffffff);
  assert.equal(b.bitsLeft, 0);
});

test('Exp-Golomb codes round-trip, including 32-bit values', () => {
  const values = [0, 1, 2, 3, 7, 8, 255, 65535, 2 ** 31, 2 ** 32 - 2];
  const signed = [0, 1, -1, 2, -2, 1000, -1000, 2 ** 30];
  const w = new BitWriter();
  values.forEach((v) => w.ue(v));
  signed.forEach((v) => w.se(v));
  const b = new BitReader(w.bytes());
  assert.deepEqual(values.map(() => b.ue()), values);
  assert.deepEqual(signed.map(() => b.se()), signed);
});

test('running off the end or an over-long code throws ProtocolError', () => {
  assert.throws(() => new BitReader(Buffer.alloc(0)).bit(), ProtocolError);
  assert.throws(() => new BitReader(Buffer.from([0xff])).bits(9), ProtocolError);
  assert.throws(() => new BitReader(Buffer.from([0xff])).skip(9), ProtocolError);
  assert.throws(() => new BitReader(Buffer.alloc(8)).ue(), /longer than 32 bits/);
  assert.throws(() => new BitReader(Buffer.from([0x00, 0x01])).ue(), ProtocolError);
});

test('unescapeRbsp drops each emulation-prevention byte and nothing else', () => {
  const rbsp = Buffer.from([0, 0, 0, 0, 0, 1, 0, 0, 2, 0, 0, 3, 3, 0, 0, 4]);
  const escaped = escapeRbsp(rbsp);
  assert.deepEqual([...escaped], [0, 0, 3, 0, 0, 3, 0, 1, 0, 0, 3, 2, 0, 0, 3, 3, 3, 0, 0, 4]);
  assert.deepEqual(Buffer.from(unescapeRbsp(escaped)), rbsp);
  const plain = Buffer.from([1, 2, 4]);
  assert.equal(unescapeRbsp(plain), plain);
});
