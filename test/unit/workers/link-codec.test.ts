import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fuzzRuns } from '../../support/fuzz.js';
import { encodeControl, encodeHeader, frameHeader, HEADER_BYTES, LinkDecoder, opusHeader, type LinkMessage } from '../../../src/app/workers/link-codec.js';
import type { MediaFrame } from '../../../src/media/frame.js';
import { ProtocolError } from '../../../src/util/errors.js';

const video: MediaFrame = { kind: 'video', timestamp: 123456, body: Buffer.from([0x17, 1, 2, 3]), keyframe: true, sequenceHeader: false };
const header: MediaFrame = { kind: 'audio', timestamp: 0, body: Buffer.from([0xaf, 0, 0x12, 0x10]), keyframe: false, sequenceHeader: true };
const opus = { timestamp: 123470, data: Buffer.from([0x78, 1, 2]) };
const wire = Buffer.concat([
  encodeControl('open', 7, 'live.example.com/live/cam'),
  encodeControl('publish', 7, 'webrtc'),
  frameHeader(7, header), header.body,
  frameHeader(7, video), video.body,
  opusHeader(7, opus), opus.data,
  encodeControl('unpublish', 7),
  encodeControl('end', 7),
]);
/** What the receiving worker writes back. */
const requests = Buffer.concat([encodeControl('opus-on', 7), encodeControl('keyframe', 7), encodeControl('opus-off', 7)]);

function decodeAll(chunks: Buffer[]): LinkMessage[] {
  const decoder = new LinkDecoder();
  const out: LinkMessage[] = [];
  for (const chunk of chunks) decoder.push(chunk, (message) => out.push(message));
  return out;
}

test('frames, Opus packets, stream events and requests round-trip', () => {
  const messages = decodeAll([wire]);
  assert.deepEqual(messages.map((m) => m.type), ['open', 'publish', 'frame', 'frame', 'opus', 'unpublish', 'end']);
  assert.deepEqual(messages[0], { type: 'open', index: 7, key: 'live.example.com/live/cam' });
  assert.deepEqual(messages[1], { type: 'publish', index: 7, protocol: 'webrtc' });
  const packet = messages[4]!.type === 'opus' ? messages[4]!.packet : undefined;
  assert.deepEqual({ ...packet, data: [...packet!.data] }, { timestamp: 123470, data: [0x78, 1, 2] });
  assert.deepEqual(decodeAll([requests]), [{ type: 'opus-on', index: 7 }, { type: 'keyframe', index: 7 }, { type: 'opus-off', index: 7 }]);
  const frames = messages.flatMap((m) => (m.type === 'frame' ? [m.frame] : []));
  assert.deepEqual(frames.map((f) => ({ ...f, body: [...f.body] })), [header, video].map((f) => ({ ...f, body: [...f.body] })));
});

test('any split of the bytes into reads gives the same messages', () => {
  const whole = decodeAll([wire]);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: wire.length - 1 }), { maxLength: 12 }), (cuts) => {
      const points = [...new Set(cuts)].sort((a, b) => a - b);
      const chunks = [0, ...points].map((from, i) => wire.subarray(from, points[i] ?? wire.length));
      assert.deepEqual(decodeAll(chunks), whole);
    }),
    fuzzRuns(200),
  );
});

test('one byte at a time', () => {
  const chunks = [...wire].map((byte) => Buffer.from([byte]));
  assert.equal(decodeAll(chunks).length, 7);
});

test('garbage is refused as a broken link, not read as frames', () => {
  const bad = [
    encodeHeader(99, 0, 1, 0, 0),
    encodeHeader(1, 0, 1, 0, 0xffffffff),
    Buffer.concat([encodeHeader(1, 0, 1, 0, 0).subarray(0, 14), Buffer.from([0xde, 0xad])]),
    Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
  ];
  for (const bytes of bad) assert.throws(() => decodeAll([bytes]), ProtocolError);
  // Random bytes either wait for more or are refused: never a crash of another kind.
  fc.assert(
    fc.property(fc.uint8Array({ minLength: HEADER_BYTES, maxLength: 200 }), (bytes) => {
      try {
        decodeAll([Buffer.from(bytes)]);
      } catch (error) {
        assert.ok(error instanceof ProtocolError);
      }
    }),
    fuzzRuns(500),
  );
});
