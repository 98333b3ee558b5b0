import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fuzzRuns } from '../../support/fuzz.js';
import { EcmaArray, decodeAmf0, encodeAmf0 } from '../../../src/protocols/rtmp/amf0.js';
import { decodeAmf3Value } from '../../../src/protocols/rtmp/amf3.js';
import { encodeMessages } from '../../../src/protocols/rtmp/chunk-writer.js';
import { ServerHandshake } from '../../../src/protocols/rtmp/handshake.js';
import { commandMessage, decodeCommand, setChunkSize } from '../../../src/protocols/rtmp/messages.js';
import { ByteReader } from '../../../src/util/bytes.js';
import { ProtocolError } from '../../../src/util/errors.js';
import { newReader } from './chunks.js';

const RUNS = fuzzRuns(2000);

/** Runs `parse`; the only acceptable failure is a ProtocolError. */
function returnsOrProtocolError(parse: () => unknown): void {
  try {
    parse();
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
  }
}

const bytes = fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a));

/** A valid encoding with a few bytes overwritten: reaches deeper than pure noise. */
function mutated(valid: Buffer): fc.Arbitrary<Buffer> {
  return fc
    .array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 })
    .chain((edits) =>
      fc.nat(valid.length).map((cut) => {
        const copy = Buffer.from(valid);
        for (const [at, value] of edits) copy[at] = value;
        return copy.subarray(0, cut === 0 ? valid.length : cut);
      }),
    );
}

const SAMPLE_AMF0 = encodeAmf0('connect', 1, { app: 'live', list: [1, 'a', null], when: new Date(5) }, new EcmaArray({ w: 1 }));
// Object with inline traits, a dynamic member, a string reference and an object reference.
const SAMPLE_AMF3 = Buffer.from([
  0x09, 0x07, 0x01, 0x0a, 0x1b, 0x03, 0x43, 0x03, 0x6b, 0x06, 0x03, 0x76, 0x03, 0x64, 0x04, 0x05, 0x01,
  0x0a, 0x02, 0x06, 0x02,
]);
const SAMPLE_CHUNKS = encodeMessages(
  [setChunkSize(64), commandMessage(0, 'connect', 1, { app: 'live' }), { ...commandMessage(1, 'publish', 5, null, 'cam', 'live'), timestamp: 0x1000000 }],
  64,
);

test('ChunkReader: random bytes either parse or throw ProtocolError', () => {
  fc.assert(
    fc.property(fc.oneof(bytes, mutated(SAMPLE_CHUNKS)), fc.nat(50), (input, split) => {
      const reader = newReader(64 * 1024, 32);
      returnsOrProtocolError(() => {
        reader.push(input.subarray(0, split), () => {});
        reader.push(input.subarray(split), () => {});
      });
    }),
    RUNS,
  );
});

test('decodeAmf0: random bytes either parse or throw ProtocolError', () => {
  fc.assert(
    fc.property(fc.oneof(bytes, mutated(SAMPLE_AMF0)), (input) => returnsOrProtocolError(() => decodeAmf0(input))),
    RUNS,
  );
});

test('decodeAmf3Value: random bytes either parse or throw ProtocolError', () => {
  fc.assert(
    fc.property(fc.oneof(bytes, mutated(SAMPLE_AMF3)), (input) =>
      returnsOrProtocolError(() => decodeAmf3Value(new ByteReader(input))),
    ),
    RUNS,
  );
});

test('decodeCommand: random payloads either parse or throw ProtocolError', () => {
  const base = commandMessage(0, 'connect', 1, {});
  fc.assert(
    fc.property(fc.oneof(bytes, mutated(base.payload)), fc.constantFrom(17, 20), (payload, type) =>
      returnsOrProtocolError(() => decodeCommand({ ...base, type, payload })),
    ),
    RUNS,
  );
});

test('ServerHandshake: random bytes either progress or throw ProtocolError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 4000 }), (input) =>
      returnsOrProtocolError(() => new ServerHandshake().feed(Buffer.from(input))),
    ),
    fuzzRuns(300),
  );
});

test('AMF0 round trip of arbitrary JSON-like values', () => {
  fc.assert(
    fc.property(fc.array(fc.jsonValue({ maxDepth: 5 }), { maxLength: 5 }), (values) => {
      assert.deepEqual(decodeAmf0(encodeAmf0(...values)), values);
    }),
    fuzzRuns(500),
  );
});
