import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fuzzRuns } from '../../support/fuzz.js';
import { TsFrameWriter } from '../../../src/formats/mpegts/frame-writer.js';
import { TsBuffer } from '../../../src/formats/mpegts/ts-buffer.js';
import type { MediaFrame } from '../../../src/media/frame.js';
import { ProtocolError } from '../../../src/util/errors.js';
import { readTs } from './ts-reader.js';

const AVC_CONFIG = Buffer.from([1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, 4, 0x67, 0x42, 0xc0, 0x1e, 1, 0, 3, 0x68, 0xce, 0x3c]);
const AAC_CONFIG = Buffer.from([0xaf, 0x00, 0x12, 0x10]);

const frameArb = fc.record({
  video: fc.boolean(),
  keyframe: fc.boolean(),
  size: fc.integer({ min: 1, max: 3000 }),
  cts: fc.integer({ min: 0, max: 400 }),
  step: fc.integer({ min: 0, max: 100 }),
});

function videoBody(keyframe: boolean, cts: number, nal: Buffer): Buffer {
  const head = Buffer.from([keyframe ? 0x17 : 0x27, 0x01, 0, 0, 0, 0, 0, 0, 0]);
  head.writeIntBE(cts, 2, 3);
  head.writeUInt32BE(nal.length, 5);
  return Buffer.concat([head, nal]);
}

test('random frame sequences always produce valid packets carrying the same media', () => {
  fc.assert(
    fc.property(fc.array(frameArb, { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 2 ** 26 }), (frames, start) => {
      const writer = new TsFrameWriter();
      writer.configure({ kind: 'video', timestamp: 0, body: Buffer.concat([Buffer.from([0x17, 0, 0, 0, 0]), AVC_CONFIG]), keyframe: false, sequenceHeader: true });
      writer.configure({ kind: 'audio', timestamp: 0, body: AAC_CONFIG, keyframe: false, sequenceHeader: true });
      const parts = writer.start();
      let time = start;
      const sent: Array<{ frame: MediaFrame; media: Buffer; cts: number }> = [];
      for (const f of frames) {
        time += f.step;
        // Bytes that differ along the frame, so a byte out of place shows.
        const media = Buffer.from(Array.from({ length: f.size }, (_, i) => (i * 31 + f.size) & 0xff));
        media[0] = f.video ? (f.keyframe ? 0x65 : 0x41) : media[0]!;
        const body = f.video ? videoBody(f.keyframe, f.cts, media) : Buffer.concat([Buffer.from([0xaf, 0x01]), media]);
        const frame: MediaFrame = { kind: f.video ? 'video' : 'audio', timestamp: time, body, keyframe: f.video && f.keyframe, sequenceHeader: false };
        parts.push(writer.encode(frame)!);
        sent.push({ frame, media, cts: f.video ? f.cts : 0 });
      }
      const { pes } = readTs(Buffer.concat(parts));
      assert.equal(pes.length, sent.length);
      // Each PID's PES come out in order; match them up per PID.
      for (const pid of [0x100, 0x101]) {
        const got = pes.filter((p) => p.pid === pid);
        const want = sent.filter((s) => (s.frame.kind === 'video') === (pid === 0x100));
        assert.equal(got.length, want.length);
        got.forEach((p, i) => {
          const w = want[i]!;
          assert.equal(p.dts, w.frame.timestamp * 90);
          assert.equal(p.pts, (w.frame.timestamp + w.cts) * 90);
          assert.ok(p.payload.subarray(-w.media.length).equals(w.media), 'media bytes intact');
          assert.equal(p.randomAccess, w.frame.keyframe);
          if (pid === 0x100) assert.equal(p.pcr, p.dts);
        });
      }
    }),
    fuzzRuns(300),
  );
});

test('frames written in place into one growing buffer are the same bytes as frames written one by one', () => {
  const config = (writer: TsFrameWriter) => {
    writer.configure({ kind: 'video', timestamp: 0, body: Buffer.concat([Buffer.from([0x17, 0, 0, 0, 0]), AVC_CONFIG]), keyframe: false, sequenceHeader: true });
    writer.configure({ kind: 'audio', timestamp: 0, body: AAC_CONFIG, keyframe: false, sequenceHeader: true });
  };
  fc.assert(
    fc.property(fc.array(fc.record({ video: fc.boolean(), keyframe: fc.boolean(), media: fc.uint8Array({ minLength: 1, maxLength: 2000 }) }), { minLength: 1, maxLength: 30 }), (frames) => {
      const apart = new TsFrameWriter();
      const inPlace = new TsFrameWriter();
      config(apart);
      config(inPlace);
      const parts = apart.start();
      const out = new TsBuffer(1); // grows many times on the way
      for (const table of inPlace.start()) out.append(table);
      frames.forEach((f, i) => {
        const body = f.video ? videoBody(f.keyframe, 0, Buffer.from(f.media)) : Buffer.concat([Buffer.from([0xaf, 0x01]), f.media]);
        const frame: MediaFrame = { kind: f.video ? 'video' : 'audio', timestamp: i * 20, body, keyframe: f.video && f.keyframe, sequenceHeader: false };
        parts.push(apart.encode(frame)!);
        inPlace.encode(frame, out);
      });
      assert.ok(out.bytes.equals(Buffer.concat(parts)));
    }),
    fuzzRuns(300),
  );
});

test('random tag bodies only ever raise ProtocolError', () => {
  fc.assert(
    fc.property(fc.boolean(), fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), (video, config, data) => {
      const writer = new TsFrameWriter();
      const kind = video ? 'video' : 'audio';
      try {
        writer.configure({ kind, timestamp: 0, body: Buffer.from(config), keyframe: false, sequenceHeader: true });
        writer.start();
        writer.encode({ kind, timestamp: 0, body: Buffer.from(data), keyframe: true, sequenceHeader: false });
      } catch (err) {
        assert.ok(err instanceof ProtocolError, String(err));
      }
    }),
    fuzzRuns(2000),
  );
});
