import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { inspectAudio, inspectVideo } from '../../../src/codecs/inspect.js';
import { TsDemuxer } from '../../../src/formats/mpegts/demuxer.js';
import type { MediaFrame } from '../../../src/media/frame.js';
import { ProtocolError } from '../../../src/util/errors.js';
import { fuzzRuns } from '../../support/fuzz.js';
import { demux, mux, summary } from './demux-helpers.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/${name}`, import.meta.url));
const AVC_HEADER: MediaFrame = { kind: 'video', timestamp: 0, body: Buffer.concat([Buffer.from([0x17, 0, 0, 0, 0]), fixture('h264-baseline-640x360.avcc')]), keyframe: false, sequenceHeader: true };
const AAC_HEADER: MediaFrame = { kind: 'audio', timestamp: 0, body: Buffer.from([0xaf, 0x00, 0x12, 0x10]), keyframe: false, sequenceHeader: true };

const frameArb: fc.Arbitrary<FrameRecord> = fc.record({
  video: fc.boolean(),
  keyframe: fc.boolean(),
  data: fc.uint8Array({ minLength: 1, maxLength: 1500 }),
  cts: fc.integer({ min: 0, max: 400 }),
  step: fc.integer({ min: 0, max: 100 }),
});

interface FrameRecord {
  video: boolean;
  keyframe: boolean;
  data: Uint8Array;
  cts: number;
  step: number;
}

/** Hub frames from the records: the first video frame is a keyframe, NAL units hold no zero bytes. */
function frames(records: FrameRecord[], start: number): MediaFrame[] {
  const out: MediaFrame[] = [{ ...AVC_HEADER, timestamp: start }, { ...AAC_HEADER, timestamp: start }];
  let time = start;
  let sawKey = false;
  for (const r of records) {
    time += r.step;
    const data = Buffer.from(r.data.map((b) => b || 1));
    if (!r.video) {
      out.push({ kind: 'audio', timestamp: time, body: Buffer.concat([Buffer.from([0xaf, 0x01]), data]), keyframe: false, sequenceHeader: false });
      continue;
    }
    const key = r.keyframe || !sawKey;
    sawKey = true;
    data[0] = key ? 0x65 : 0x41;
    const head = Buffer.from([key ? 0x17 : 0x27, 1, 0, 0, 0, 0, 0, 0, 0]);
    head.writeIntBE(r.cts, 2, 3);
    head.writeUInt32BE(data.length, 5);
    out.push({ kind: 'video', timestamp: time, body: Buffer.concat([head, data]), keyframe: key, sequenceHeader: false });
  }
  return out;
}

test('random frame sequences survive TS muxer -> demuxer, split anywhere', () => {
  fc.assert(
    fc.property(fc.array(frameArb, { minLength: 1, maxLength: 30 }), fc.integer({ min: 0, max: 2 ** 26 }), fc.array(fc.nat(), { maxLength: 20 }), (records, start, cuts) => {
      const sent = frames(records, start);
      const ts = mux(sent);
      const { frames: got, warnings } = demux(ts, cuts.map((c) => c % ts.length));
      assert.deepEqual(warnings, []);
      const first = Math.min(...sent.filter((f) => !f.sequenceHeader).map((f) => f.timestamp));
      for (const kind of ['video', 'audio']) {
        const want = sent.filter((f) => f.kind === kind && !f.sequenceHeader).map((f) => summary(f, first));
        assert.deepEqual(got.filter((f) => f.kind === kind && !f.sequenceHeader).map((f) => summary(f)), want, kind);
      }
    }),
    fuzzRuns(200),
  );
});

/** Checks what a demuxer may hand out whatever it is fed: parsable bodies, per-track monotonic time. */
function checkedDemux(chunks: Uint8Array[]): void {
  const last = new Map<string, number>();
  const demuxer = new TsDemuxer({
    onFrame: (f) => {
      assert.ok(Number.isInteger(f.timestamp) && f.timestamp >= 0, `timestamp ${f.timestamp}`);
      assert.ok(f.timestamp >= (last.get(f.kind) ?? 0), 'decode order per track');
      last.set(f.kind, f.timestamp);
      const traits = f.kind === 'video' ? inspectVideo(f.body) : inspectAudio(f.body);
      assert.notEqual(traits.codec, 'unknown');
      assert.equal(traits.sequenceHeader, f.sequenceHeader);
      if (f.kind === 'video') assert.equal(traits.keyframe, f.keyframe);
    },
  });
  try {
    for (const chunk of chunks) demuxer.push(Buffer.from(chunk));
    demuxer.end();
  } catch (err) {
    assert.ok(err instanceof ProtocolError, String(err));
  }
}

test('random bytes only ever raise ProtocolError', () => {
  fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 8 }), checkedDemux), fuzzRuns(2000));
});

const VALID = mux(frames(Array.from({ length: 40 }, (_, i) => ({ video: i % 3 !== 0, keyframe: i % 10 === 1, data: new Uint8Array(200 + i * 13).fill(i + 1), cts: 40, step: 20 })), 5000));

test('damaged transport streams (flipped bytes, sync bytes kept) never throw and hand out well-formed frames', () => {
  const damage = fc.array(fc.record({ at: fc.nat({ max: VALID.length - 1 }), value: fc.integer({ min: 0, max: 255 }) }), { maxLength: 40 });
  fc.assert(
    fc.property(damage, fc.array(fc.nat({ max: VALID.length }), { maxLength: 10 }), (flips, cuts) => {
      const data = Buffer.from(VALID);
      for (const { at, value } of flips) if (at % 188 !== 0) data[at] = value;
      const sorted = [...cuts].sort((a, b) => a - b);
      checkedDemux(sorted.map((cut, i) => data.subarray(sorted[i - 1] ?? 0, cut)).concat([data.subarray(sorted.at(-1) ?? 0)]));
    }),
    fuzzRuns(300),
  );
});
