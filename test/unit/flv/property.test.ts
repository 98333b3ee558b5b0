import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fuzzRuns } from '../../support/fuzz.js';
import type { MediaFrame } from '../../../src/media/frame.js';
import { FlvReader, type FlvTag, encodeFlvTag, flvFileHeader } from '../../../src/formats/flv/index.js';
import { ProtocolError } from '../../../src/util/errors.js';

const RUNS = fuzzRuns(1000);
const header = flvFileHeader(true, true);

/** Cuts `data` at the given points (taken modulo its length). */
function split(data: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  return [0, ...points].map((start, i) => data.subarray(start, points[i] ?? data.length));
}

test('random bytes (with or without an FLV header) only ever raise ProtocolError', () => {
  const input = fc.tuple(fc.boolean(), fc.uint8Array({ maxLength: 200 }), fc.array(fc.nat(), { maxLength: 5 }));
  fc.assert(
    fc.property(input, ([withHeader, bytes, cuts]) => {
      const data = Buffer.concat([withHeader ? header : Buffer.alloc(0), Buffer.from(bytes)]);
      const reader = new FlvReader({ maxTagSize: 64 });
      try {
        for (const chunk of split(data, cuts)) reader.push(chunk, () => {});
        reader.end();
      } catch (err) {
        assert.ok(err instanceof ProtocolError, String(err));
      }
    }),
    RUNS,
  );
});

test('any frames survive encode -> read, however the bytes are split', () => {
  const frameArb = fc.record({
    kind: fc.constantFrom<MediaFrame['kind']>('audio', 'video', 'data'),
    timestamp: fc.nat({ max: 0xffffffff }),
    body: fc.uint8Array({ maxLength: 100 }).map((a) => Buffer.from(a)),
    keyframe: fc.constant(false),
    sequenceHeader: fc.constant(false),
  });
  fc.assert(
    fc.property(fc.array(frameArb, { maxLength: 10 }), fc.array(fc.nat(), { maxLength: 8 }), (frames, cuts) => {
      const data = Buffer.concat([header, ...frames.map(encodeFlvTag)]);
      const tags: FlvTag[] = [];
      const reader = new FlvReader();
      for (const chunk of split(data, cuts)) reader.push(chunk, (tag) => tags.push(tag));
      reader.end();
      assert.equal(tags.length, frames.length);
      tags.forEach((tag, i) => {
        assert.equal(tag.timestamp, frames[i]!.timestamp);
        assert.ok(tag.body.equals(frames[i]!.body));
      });
    }),
    RUNS,
  );
});
