import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FrameReader, frame } from '../../../src/protocols/webrtc/ice-tcp/framing.js';
import { ProtocolError } from '../../../src/util/errors.js';
import { fuzzRuns } from '../../support/fuzz.js';

test('ICE-TCP framing: a 16-bit length, then the packet', () => {
  assert.deepEqual(frame(Buffer.from([1, 2, 3])), Buffer.from([0, 3, 1, 2, 3]));
  assert.throws(() => frame(Buffer.alloc(65536)), ProtocolError);
});

test('ICE-TCP framing: packets come back whole however the stream is cut', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 3000 }), { minLength: 1, maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 5000 }), { maxLength: 10 }), (packets, cuts) => {
      const stream = Buffer.concat(packets.map((p) => frame(Buffer.from(p))));
      const reader = new FrameReader();
      const out: Buffer[] = [];
      let pos = 0;
      for (const cut of cuts) {
        reader.push(stream.subarray(pos, Math.min(stream.length, pos + cut)), (p) => out.push(Buffer.from(p)));
        pos = Math.min(stream.length, pos + cut);
      }
      reader.push(stream.subarray(pos), (p) => out.push(Buffer.from(p)));
      assert.deepEqual(out, packets.map((p) => Buffer.from(p)));
    }),
    fuzzRuns(300),
  );
});

test('ICE-TCP framing: an empty frame is refused (the peer does not speak RFC 4571)', () => {
  const reader = new FrameReader();
  const seen: Buffer[] = [];
  assert.throws(() => reader.push(Buffer.from([0, 1, 7, 0, 0]), (p) => seen.push(p)), /empty RFC 4571 frame/);
  assert.deepEqual(seen, [Buffer.from([7])]);
});
