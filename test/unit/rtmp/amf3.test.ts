import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeAmf3Value } from '../../../src/protocols/rtmp/amf3.js';
import { ByteReader } from '../../../src/util/bytes.js';
import { ProtocolError } from '../../../src/util/errors.js';

const decode = (bytes: number[]): unknown => decodeAmf3Value(new ByteReader(Buffer.from(bytes)));
const isProtocolError = (err: unknown): boolean => err instanceof ProtocolError;

/** U29 encoding, for building inputs. */
function u29(n: number): number[] {
  if (n < 0x80) return [n];
  if (n < 0x4000) return [0x80 | (n >> 7), n & 0x7f];
  if (n < 0x200000) return [0x80 | (n >> 14), 0x80 | ((n >> 7) & 0x7f), n & 0x7f];
  return [0x80 | (n >> 22), 0x80 | ((n >> 15) & 0x7f), 0x80 | ((n >> 8) & 0x7f), n & 0xff];
}
/** An inline string (U29S with the inline flag) without its marker. */
const inline = (s: string): number[] => [...u29((Buffer.byteLength(s) << 1) | 1), ...Buffer.from(s)];

test('AMF3 simple markers', () => {
  assert.equal(decode([0x00]), undefined);
  assert.equal(decode([0x01]), null);
  assert.equal(decode([0x02]), false);
  assert.equal(decode([0x03]), true);
  assert.equal(decode([0x05, 0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18]), Math.PI);
});

test('AMF3 integers: every U29 width and sign extension', () => {
  const cases: [number[], number][] = [
    [[0x00], 0],
    [[0x7f], 127],
    [[0x81, 0x00], 128],
    [[0xff, 0x7f], 0x3fff],
    [[0x81, 0x80, 0x00], 0x4000],
    [[0x80, 0xc0, 0x80, 0x00], 0x200000],
    [[0xbf, 0xff, 0xff, 0xff], 0x0fffffff],
    [[0xc0, 0x80, 0x80, 0x00], -0x10000000],
    [[0xff, 0xff, 0xff, 0xff], -1],
  ];
  for (const [bytes, value] of cases) assert.equal(decode([0x04, ...bytes]), value, `bytes ${bytes}`);
});

test('AMF3 strings use the string reference table; the empty string is never referenced', () => {
  const bytes = [0x09, ...u29((4 << 1) | 1), 0x01, 0x06, ...inline('ab'), 0x06, 0x01, 0x06, 0x00, 0x06, ...inline('é')];
  assert.deepEqual(decode(bytes), ['ab', '', 'ab', 'é']);
});

test('AMF3 object with sealed and dynamic members, trait and object references', () => {
  const bytes = [
    0x09, ...u29((3 << 1) | 1), 0x01,
    // traits inline, dynamic, 1 sealed member: 0b1011 | 1 << 4
    0x0a, ...u29(0x0b | (1 << 4)), ...inline('Point'), ...inline('x'),
    0x04, 0x01, // x = 1
    ...inline('label'), 0x06, ...inline('p'), 0x01, // dynamic label = 'p', then end
    // second object: traits reference 0 (U29O-traits-ref: 0b01 | 0 << 2), x = 2, no dynamic members
    0x0a, ...u29(0x01), 0x04, 0x02, 0x01,
    // object reference 1 (the first object; the array itself is 0)
    0x0a, ...u29(1 << 1),
  ];
  const array = decode(bytes) as Record<string, unknown>[];
  assert.deepEqual(array, [{ x: 1, label: 'p' }, { x: 2 }, { x: 1, label: 'p' }]);
  assert.equal(array[0], array[2]);
});

test('AMF3 associative arrays become plain objects', () => {
  const bytes = [0x09, ...u29((2 << 1) | 1), ...inline('name'), 0x06, ...inline('v'), 0x01, 0x04, 0x07, 0x03];
  assert.deepEqual(decode(bytes), { name: 'v', 0: 7, 1: true });
});

test('AMF3 date, XML and byte array', () => {
  assert.deepEqual(decode([0x08, 0x01, 0x40, 0x8f, 0x40, 0, 0, 0, 0, 0]), new Date(1000));
  assert.equal(decode([0x0b, ...inline('<x/>')]), '<x/>');
  assert.equal(decode([0x07, ...inline('<y/>')]), '<y/>');
  assert.deepEqual(decode([0x0c, ...u29((3 << 1) | 1), 1, 2, 3]), Buffer.from([1, 2, 3]));
  const shared = decode([0x09, ...u29((2 << 1) | 1), 0x01, 0x0c, 0x03, 9, 0x0c, 0x02]) as Buffer[];
  assert.equal(shared[0], shared[1]);
});

test('AMF3 externalizable objects and unsupported types throw ProtocolError', () => {
  assert.throws(() => decode([0x0a, 0x07, ...inline('Ext')]), /externalizable/);
  for (const marker of [0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x20]) {
    assert.throws(() => decode([marker, 0x01]), /unsupported AMF3 marker/);
  }
});

test('AMF3 references out of range throw ProtocolError', () => {
  assert.throws(() => decode([0x06, 0x02]), /string reference 1 out of range/);
  assert.throws(() => decode([0x0a, 0x00]), /object reference 0 out of range/);
  assert.throws(() => decode([0x0a, 0x01]), /traits reference 0 out of range/);
  assert.throws(() => decode([0x08, 0x04]), /object reference 2 out of range/);
});

test('AMF3 hostile lengths and counts fail without allocating', () => {
  const huge = [0xff, 0xff, 0xff, 0xff]; // U29 0x1fffffff: inline flag, length 0x0fffffff
  assert.throws(() => decode([0x06, ...huge]), isProtocolError);
  assert.throws(() => decode([0x0c, ...huge]), isProtocolError);
  assert.throws(() => decode([0x09, ...huge, 0x01]), /declares 268435455 items/);
  assert.throws(() => decode([0x0a, 0xbf, 0xff, 0xff, 0xf3, 0x01]), /declares \d+ items/);
});

test('AMF3 truncated input throws ProtocolError', () => {
  const whole = [0x0a, 0x0b, ...inline('C'), ...inline('k'), 0x06, ...inline('value'), 0x01];
  assert.deepEqual(decode(whole), { k: 'value' });
  for (let length = 0; length < whole.length; length++) {
    assert.throws(() => decode(whole.slice(0, length)), isProtocolError, `cut at ${length}`);
  }
});

test('AMF3 nesting deeper than the limit throws ProtocolError', () => {
  const nested = Array.from({ length: 100 }, () => [0x09, 0x03, 0x01]).flat();
  assert.throws(() => decode([...nested, 0x01]), /nested deeper/);
});
