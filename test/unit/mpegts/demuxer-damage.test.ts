import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { crc32Mpeg } from '../../../src/formats/mpegts/crc32.js';
import { TsDemuxer } from '../../../src/formats/mpegts/demuxer.js';
import { TsFrameWriter } from '../../../src/formats/mpegts/frame-writer.js';
import { TsMuxer } from '../../../src/formats/mpegts/muxer.js';
import type { MediaFrame } from '../../../src/media/frame.js';
import { ProtocolError } from '../../../src/util/errors.js';
import { demux, mux, summary } from './demux-helpers.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/${name}`, import.meta.url));
const AVC_HEADER: MediaFrame = { kind: 'video', timestamp: 0, body: Buffer.concat([Buffer.from([0x17, 0, 0, 0, 0]), fixture('h264-baseline-640x360.avcc')]), keyframe: false, sequenceHeader: true };
const AAC_HEADER: MediaFrame = { kind: 'audio', timestamp: 0, body: Buffer.from([0xaf, 0x00, 0x12, 0x10]), keyframe: false, sequenceHeader: true };

/** Two GOPs of ten H.264 frames of 400 bytes (three packets each), with AAC frames between them. */
function stream(): MediaFrame[] {
  const frames = [AVC_HEADER, AAC_HEADER];
  for (let i = 0; i < 20; i++) {
    const key = i % 10 === 0;
    const nal = Buffer.alloc(400, i + 1);
    nal[0] = key ? 0x65 : 0x41;
    const body = Buffer.concat([Buffer.from([key ? 0x17 : 0x27, 1, 0, 0, 0, 0, 0, 1, 144]), nal]);
    frames.push({ kind: 'video', timestamp: i * 40, body, keyframe: key, sequenceHeader: false });
    frames.push({ kind: 'audio', timestamp: i * 40, body: Buffer.from([0xaf, 0x01, i, i]), keyframe: false, sequenceHeader: false });
  }
  return frames;
}

const packets = (ts: Buffer): Buffer[] => Array.from({ length: ts.length / 188 }, (_, i) => ts.subarray(i * 188, i * 188 + 188));
const pid = (p: Buffer): number => p.readUInt16BE(1) & 0x1fff;
const videoTimes = (frames: MediaFrame[]) => frames.filter((f) => f.kind === 'video' && !f.sequenceHeader).map((f) => f.timestamp);

test('a lost packet drops the PES it hit and video waits for the next keyframe; audio goes on', () => {
  const all = packets(mux(stream()));
  // Lose the second packet of the fourth video frame (t = 120).
  const videoStarts = all.map((p, i) => (pid(p) === 0x100 && p[1]! & 0x40 ? i : -1)).filter((i) => i >= 0);
  const lost = videoStarts[3]! + 1;
  const { frames, warnings } = demux(Buffer.concat(all.filter((_, i) => i !== lost)));
  assert.ok(warnings.some((w) => w.includes('continuity error on PID 256')), warnings.join('; '));
  assert.deepEqual(videoTimes(frames), [0, 40, 80, ...Array.from({ length: 10 }, (_, i) => 400 + i * 40)]);
  assert.equal(frames.find((f) => f.timestamp === 400 && f.kind === 'video')!.keyframe, true);
  assert.equal(frames.filter((f) => f.kind === 'audio' && !f.sequenceHeader).length, 20);
});

test('a repeated packet (same continuity counter) is dropped without a warning', () => {
  const all = packets(mux(stream()));
  const twice = all.flatMap((p, i) => (i === 10 || i === 30 ? [p, p] : [p]));
  const { frames, warnings } = demux(Buffer.concat(twice));
  assert.deepEqual(warnings, []);
  assert.deepEqual(frames.map((f) => summary(f)), demux(Buffer.concat(all)).frames.map((f) => summary(f)));
});

test('192-byte (M2TS) and 204-byte packets and garbage between packets give the same frames', () => {
  const all = packets(mux(stream()));
  const want = demux(Buffer.concat(all)).frames.map((f) => summary(f));
  const m2ts = Buffer.concat(all.flatMap((p) => [Buffer.from([0x12, 0x34, 0x56, 0x78]), p]));
  const fec = Buffer.concat(all.flatMap((p) => [p, Buffer.alloc(16, 0x47)]));
  const garbage = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7 + 1) & 0xff).filter((b) => b !== 0x47));
  const noisy = Buffer.concat(all.flatMap((p, i) => (i % 25 === 24 ? [p, garbage] : [p])));
  for (const [name, data] of [['m2ts', m2ts], ['204', fec], ['garbage', noisy]] as const) {
    const { frames } = demux(data, [100, 5000, 5001, 9999]);
    assert.deepEqual(frames.map((f) => summary(f)), want, name);
  }
});

test('a megabyte without transport packets is a ProtocolError', () => {
  const demuxer = new TsDemuxer({ onFrame: () => {} });
  assert.throws(() => {
    for (let i = 0; i < 20; i++) demuxer.push(Buffer.alloc(64 * 1024, 0x20));
  }, ProtocolError);
});

test('a PES larger than 8 MiB is dropped; the frames after it come through', () => {
  const muxer = new TsMuxer({ video: 'H264' });
  const writer = new TsFrameWriter();
  writer.configure(AVC_HEADER);
  const start = writer.start();
  const huge = muxer.video([Buffer.from([0, 0, 0, 1, 0x65]), Buffer.alloc(9 * 1024 * 1024, 1)], 0, 0, true);
  const after = stream().filter((f) => f.kind === 'video' && !f.sequenceHeader).map((f) => writer.encode({ ...f, timestamp: f.timestamp + 40 })!);
  const { frames, warnings } = demux(Buffer.concat([...start, huge, ...after]));
  assert.ok(warnings.some((w) => w.includes('too large')), warnings.join('; '));
  assert.equal(videoTimes(frames).length, 20);
});

test('a new PMT version that adds a track starts it; the other track runs on', () => {
  const writer = new TsFrameWriter();
  writer.configure(AAC_HEADER);
  const parts = writer.start();
  const aac = (t: number): MediaFrame => ({ kind: 'audio', timestamp: t, body: Buffer.from([0xaf, 0x01, t & 0xff]), keyframe: false, sequenceHeader: false });
  parts.push(writer.encode(aac(0))!, writer.encode(aac(23))!);
  writer.configure(AVC_HEADER);
  parts.push(...writer.start());
  const video = stream().filter((f) => f.kind === 'video' && !f.sequenceHeader).slice(0, 3);
  for (const f of video) parts.push(writer.encode({ ...f, timestamp: f.timestamp + 46 })!, writer.encode(aac(f.timestamp + 46))!);
  const { frames, warnings } = demux(Buffer.concat(parts));
  assert.deepEqual(warnings, []);
  assert.deepEqual(videoTimes(frames), [46, 86, 126]);
  assert.deepEqual(frames.filter((f) => f.kind === 'audio' && !f.sequenceHeader).map((f) => f.timestamp), [0, 23, 46, 86, 126]);
});

/** A PAT listing `programs` as [program_number, PMT PID]. */
function pat(programs: Array<[number, number]>): Buffer {
  const section = Buffer.alloc(8 + programs.length * 4 + 4);
  section[0] = 0;
  section.writeUInt16BE(0xb000 | (section.length - 3), 1);
  section.writeUInt16BE(1, 3);
  section[5] = 0xc1;
  programs.forEach(([number, pmtPid], i) => {
    section.writeUInt16BE(number, 8 + i * 4);
    section.writeUInt16BE(0xe000 | pmtPid, 10 + i * 4);
  });
  section.writeUInt32BE(crc32Mpeg(section, 0, section.length - 4), section.length - 4);
  const packet = Buffer.alloc(188, 0xff);
  packet.set([0x47, 0x40, 0x00, 0x10, 0x00]);
  section.copy(packet, 5);
  return packet;
}

test('of several programs the first one is demuxed (the network PID entry is skipped)', () => {
  const all = packets(mux(stream()));
  // Program 0 names the network PID; program 2 points at a PMT that is never sent.
  const { frames } = demux(Buffer.concat([pat([[0, 0x10], [1, 0x1001], [2, 0x1002]]), ...all.slice(1)]));
  assert.equal(videoTimes(frames).length, 20);
  const other = demux(Buffer.concat([pat([[2, 0x1002], [1, 0x1001]]), ...all.slice(1)]));
  assert.deepEqual(other.frames, []);
});
