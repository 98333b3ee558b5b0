import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EcmaArray, decodeAmf0, encodeAmf0 } from '../../../src/protocols/rtmp/amf0.js';
import { ProtocolError } from '../../../src/util/errors.js';

const str = (s: string): number[] => [s.length >> 8, s.length & 0xff, ...Buffer.from(s, 'latin1')];
const num = (n: number): number[] => {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(n);
  return [0x00, ...b];
};

// FFmpeg's publish `connect`, written out marker by marker.
const CONNECT = Buffer.from([
  0x02, ...str('connect'),
  ...num(1),
  0x03,
  ...str('app'), 0x02, ...str('live'),
  ...str('type'), 0x02, ...str('nonprivate'),
  ...str('flashVer'), 0x02, ...str('FMLE/3.0 (compatible; Lavf60.16.100)'),
  ...str('tcUrl'), 0x02, ...str('rtmp://localhost:1935/live'),
  0x00, 0x00, 0x09,
]);
const CONNECT_VALUES = [
  'connect',
  1,
  {
    app: 'live',
    type: 'nonprivate',
    flashVer: 'FMLE/3.0 (compatible; Lavf60.16.100)',
    tcUrl: 'rtmp://localhost:1935/live',
  },
];

const isProtocolError = (err: unknown): boolean => err instanceof ProtocolError;

test('AMF0 golden: FFmpeg connect command decodes and re-encodes to the same bytes', () => {
  assert.deepEqual(decodeAmf0(CONNECT), CONNECT_VALUES);
  assert.deepEqual(encodeAmf0(...CONNECT_VALUES), CONNECT);
});

test('AMF0 round trip of every encodable type', () => {
  const values = [
    0, -0, 1.5, -1e300, NaN, Infinity,
    true, false,
    '', 'hello', 'grüße 🎥',
    null, undefined,
    new Date(1700000000123),
    [1, 'two', [3], { four: 4 }],
    { nested: { deeper: { list: [] as unknown[], empty: {} } }, n: null, u: undefined },
  ];
  assert.deepEqual(decodeAmf0(encodeAmf0(...values)), values);
});

test('AMF0 long strings switch to the 32-bit length form above 65535 bytes', () => {
  const short = 'x'.repeat(0xffff);
  const long = 'x'.repeat(0x10000);
  assert.equal(encodeAmf0(short)[0], 0x02);
  assert.equal(encodeAmf0(long)[0], 0x0c);
  assert.deepEqual(decodeAmf0(encodeAmf0(short, long)), [short, long]);
});

test('AMF0 EcmaArray encodes as an ECMA array and decodes to a plain object', () => {
  const bytes = encodeAmf0(new EcmaArray({ width: 1280, height: 720 }));
  assert.deepEqual(bytes.subarray(0, 5), Buffer.from([0x08, 0, 0, 0, 2]));
  assert.deepEqual(bytes.subarray(-3), Buffer.from([0, 0, 0x09]));
  assert.deepEqual(decodeAmf0(bytes), [{ width: 1280, height: 720 }]);
});

test('AMF0 ECMA array count is only a hint', () => {
  const bytes = Buffer.from([0x08, 0, 0, 0, 99, ...str('a'), ...num(1), 0, 0, 0x09]);
  assert.deepEqual(decodeAmf0(bytes), [{ a: 1 }]);
});

test('AMF0 typed object, XML document, unsupported and date decode', () => {
  const date = Buffer.alloc(8);
  date.writeDoubleBE(86400000);
  const bytes = Buffer.from([
    0x10, ...str('flash.Point'), ...str('x'), ...num(3), 0, 0, 0x09,
    0x0f, 0, 0, 0, 3, ...Buffer.from('<a/>').subarray(0, 3),
    0x0d,
    0x0b, ...date, 0, 0,
  ]);
  assert.deepEqual(decodeAmf0(bytes), [{ x: 3 }, '<a/', undefined, new Date(86400000)]);
});

test('AMF0 references resolve to the earlier object', () => {
  const bytes = Buffer.from([
    0x0a, 0, 0, 0, 2,
    0x03, ...str('k'), ...num(7), 0, 0, 0x09,
    0x07, 0x00, 0x01,
  ]);
  const [array] = decodeAmf0(bytes) as [unknown[]];
  assert.deepEqual(array, [{ k: 7 }, { k: 7 }]);
  assert.equal(array[0], array[1]);
});

test('AMF0 AVM+ marker switches to AMF3 for one value', () => {
  const bytes = Buffer.from([0x11, 0x04, 0x81, 0x00, 0x02, ...str('after')]);
  assert.deepEqual(decodeAmf0(bytes), [128, 'after']);
});

test('AMF0 "__proto__" keys become own properties, never prototypes', () => {
  const bytes = Buffer.from([0x03, ...str('__proto__'), 0x03, ...str('polluted'), 0x01, 1, 0, 0, 0x09, 0, 0, 0x09]);
  const [value] = decodeAmf0(bytes) as [Record<string, unknown>];
  assert.equal(Object.getPrototypeOf(value), Object.prototype);
  assert.deepEqual(Object.keys(value), ['__proto__']);
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
});

test('AMF0 every truncation of the connect command throws ProtocolError or ends at a value boundary', () => {
  const boundaries = new Set([0, 10, 19, CONNECT.length]);
  for (let length = 0; length < CONNECT.length; length++) {
    const cut = CONNECT.subarray(0, length);
    if (boundaries.has(length)) assert.doesNotThrow(() => decodeAmf0(cut));
    else assert.throws(() => decodeAmf0(cut), isProtocolError, `cut at ${length}`);
  }
});

test('AMF0 bad markers throw ProtocolError', () => {
  for (const marker of [0x04, 0x09, 0x0e, 0x12, 0xff]) {
    assert.throws(() => decodeAmf0(Buffer.from([marker, 0, 0, 0])), /unexpected AMF0 marker/);
  }
});

test('AMF0 hostile lengths and counts fail without allocating', () => {
  assert.throws(() => decodeAmf0(Buffer.from([0x0c, 0xff, 0xff, 0xff, 0xff, 0x41])), isProtocolError);
  assert.throws(() => decodeAmf0(Buffer.from([0x02, 0xff, 0xff, 0x41])), isProtocolError);
  assert.throws(() => decodeAmf0(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x05])), /declares 4294967295 items/);
});

test('AMF0 nesting deeper than the limit throws ProtocolError', () => {
  const objects = Buffer.concat([...Array(100).fill(Buffer.from([0x03, ...str('a')])), Buffer.from([0x05])]);
  assert.throws(() => decodeAmf0(objects), /nested deeper/);
  const arrays = Buffer.concat(Array(100).fill(Buffer.from([0x0a, 0, 0, 0, 1])));
  assert.throws(() => decodeAmf0(arrays), /nested deeper/);
});

test('AMF0 reference out of range throws ProtocolError', () => {
  assert.throws(() => decodeAmf0(Buffer.from([0x07, 0x00, 0x00])), /reference 0 out of range/);
});

test('AMF0 encoding refuses values AMF0 cannot carry', () => {
  assert.throws(() => encodeAmf0(() => 1), TypeError);
  assert.throws(() => encodeAmf0(10n), TypeError);
  assert.throws(() => encodeAmf0(Buffer.from('x')), TypeError);
  const cyclic: Record<string, unknown> = {};
  cyclic['self'] = cyclic;
  assert.throws(() => encodeAmf0(cyclic), TypeError);
});
