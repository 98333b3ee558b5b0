import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fuzzRuns } from '../../support/fuzz.js';
import { adtsHeader } from '../../../src/codecs/adts.js';
import { AdtsReader } from '../../../src/transcode/adts-reader.js';
import { OggPacketReader, oggPage } from '../../../src/transcode/ogg.js';

const RUNS = fuzzRuns(500);

/** Everything a reader emits for `chunks` pushed one after another. */
function run(make: (emit: (out: Buffer) => void) => { push(chunk: Buffer): void }, chunks: Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  const reader = make((packet) => out.push(packet));
  for (const chunk of chunks) reader.push(chunk);
  return out;
}

/** `data` cut at the given points. */
function split(data: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((cut) => cut % (data.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const point of points) {
    chunks.push(data.subarray(from, point));
    from = point;
  }
  chunks.push(data.subarray(from));
  return chunks;
}

const payloads = fc.array(fc.uint8Array({ maxLength: 700 }).map((a) => Buffer.from(a)), { maxLength: 8 });
const noise = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));
const cuts = fc.array(fc.nat(), { maxLength: 12 });

/** Valid units with noise between them, and a few bytes overwritten. */
function stream(encode: (payload: Buffer, i: number) => Buffer): fc.Arbitrary<Buffer> {
  return fc
    .tuple(payloads, fc.array(noise, { maxLength: 8 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }))
    .map(([units, gaps, edits]) => {
      const data = Buffer.concat(units.flatMap((unit, i) => [gaps[i] ?? Buffer.alloc(0), encode(unit, i)]));
      for (const [at, value] of edits) if (data.length > 0) data[at % data.length] = value;
      return data;
    });
}

const ogg = (payload: Buffer, i: number): Buffer => oggPage({ headerType: 0, granule: BigInt(i * 960), serial: 1, sequence: i, packet: payload });
const adts = (payload: Buffer): Buffer => Buffer.concat([adtsHeader({ profile: 1, samplingIndex: 3, channelConfig: 2 }, payload.length + 1), Buffer.from([0]), payload]);

test('the Ogg reader never throws, and what it reads does not depend on how the bytes arrive', () => {
  fc.assert(
    fc.property(stream(ogg), cuts, (data, at) => {
      assert.deepEqual(run((emit) => new OggPacketReader(emit), split(data, at)), run((emit) => new OggPacketReader(emit), [data]));
    }),
    RUNS,
  );
});

test('clean Ogg pages come back as the packets they carry, however they are split', () => {
  fc.assert(
    fc.property(payloads, cuts, (units, at) => {
      const data = Buffer.concat(units.map(ogg));
      assert.deepEqual(run((emit) => new OggPacketReader(emit), split(data, at)), units);
    }),
    RUNS,
  );
});

test('the ADTS reader never throws, and what it reads does not depend on how the bytes arrive', () => {
  fc.assert(
    fc.property(stream(adts), cuts, (data, at) => {
      assert.deepEqual(run((emit) => new AdtsReader(emit), split(data, at)), run((emit) => new AdtsReader(emit), [data]));
    }),
    RUNS,
  );
});

test('clean ADTS frames come back as their raw data, however they are split', () => {
  fc.assert(
    fc.property(payloads, cuts, (units, at) => {
      const data = Buffer.concat(units.map((unit) => adts(unit)));
      const expected = units.map((unit) => Buffer.concat([Buffer.from([0]), unit]));
      assert.deepEqual(run((emit) => new AdtsReader(emit), split(data, at)), expected);
    }),
    RUNS,
  );
});
