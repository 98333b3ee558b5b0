import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { flvTagToFrame, readFlvFile } from '../../../src/formats/flv/index.js';
import { TsFrameWriter } from '../../../src/formats/mpegts/frame-writer.js';
import { TsMuxer } from '../../../src/formats/mpegts/muxer.js';
import type { MediaFrame } from '../../../src/media/frame.js';
import { demux, mux, summary } from './demux-helpers.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/${name}`, import.meta.url));
const FLV = new URL('../../fixtures/h264-aac-2s.flv', import.meta.url).pathname;

const avcc = (...nalus: Buffer[]) => Buffer.concat(nalus.flatMap((n) => [Buffer.from([0, 0, 0, n.length]), n]));
const frame = (kind: 'audio' | 'video', timestamp: number, body: Buffer, keyframe = false, sequenceHeader = false): MediaFrame => ({ kind, timestamp, body, keyframe, sequenceHeader });
const h264 = (keyframe: boolean, cts: number, ...nalus: Buffer[]): Buffer => {
  const head = Buffer.from([keyframe ? 0x17 : 0x27, 1, 0, 0, 0]);
  head.writeIntBE(cts, 2, 3);
  return Buffer.concat([head, avcc(...nalus)]);
};
const AVC_HEADER = frame('video', 0, Buffer.concat([Buffer.from([0x17, 0, 0, 0, 0]), fixture('h264-baseline-640x360.avcc')]), false, true);
const AAC_HEADER = frame('audio', 0, Buffer.from([0xaf, 0x00, 0x12, 0x10]), false, true);
const IDR = Buffer.from([0x65, 0x88, 0x84, 0x21, 0x43]);
const SLICE = Buffer.from([0x41, 0x9a, 0x02, 0x03]);
const SEI = Buffer.from([0x06, 0x05, 0x01, 0x80]);

/** A short H.264 + AAC stream in hub frames; the first frames start at `start` ms. */
function h264AacFrames(start: number, gops = 2): MediaFrame[] {
  const frames = [{ ...AVC_HEADER, timestamp: start }, { ...AAC_HEADER, timestamp: start }];
  for (let i = 0; i < gops * 10; i++) {
    const t = start + i * 40;
    const key = i % 10 === 0;
    frames.push(frame('video', t, key ? h264(true, 80, SEI, IDR) : h264(false, i % 2 ? 0 : 40, SLICE), key));
    frames.push(frame('audio', t + 3, Buffer.concat([Buffer.from([0xaf, 0x01]), Buffer.alloc(20 + i, i + 1)])));
  }
  return frames;
}

test('frames written by the TS muxer come back the same: bodies, timestamps, keyframes, sequence headers', () => {
  const frames = h264AacFrames(1000);
  const { frames: got, warnings } = demux(mux(frames));
  assert.deepEqual(warnings, []);
  // The clock starts at the stream's first timestamp; a sequence header comes with its track's first frame.
  const want = frames.map((f) => summary(f, 1000));
  want[1]!.timestamp = 3;
  for (const kind of ['video', 'audio']) {
    assert.deepEqual(got.filter((f) => f.kind === kind).map((f) => summary(f)), want.filter((f) => f.kind === kind), kind);
  }
});

test('any split of the byte stream gives the same frames', () => {
  const ts = mux(h264AacFrames(0));
  const whole = demux(ts).frames.map((f) => summary(f));
  for (const cuts of [[1], [187, 188, 189], Array.from({ length: 200 }, (_, i) => i * 7), Array.from({ length: 30 }, () => Math.floor(Math.random() * ts.length))]) {
    assert.deepEqual(demux(ts, cuts).frames.map((f) => summary(f)), whole, `cut at ${cuts.slice(0, 5).join(',')}...`);
  }
});

test('a real FLV recording survives FLV -> TS -> demuxer unchanged', async () => {
  const frames: MediaFrame[] = [];
  for (const tag of await readFlvFile(FLV)) {
    const f = flvTagToFrame(tag);
    // MPEG-TS has no place for FLV's end-of-sequence tag.
    const endOfSequence = f.kind === 'video' && f.body[1] === 2;
    if (f.kind !== 'data' && !endOfSequence) frames.push(f);
  }
  const { frames: got, warnings } = demux(mux(frames));
  assert.deepEqual(warnings, []);
  const media = (list: MediaFrame[], kind: string) => list.filter((f) => f.kind === kind && !f.sequenceHeader);
  // The clock starts at the first PES, the first frame written.
  const base = frames.find((f) => !f.sequenceHeader)!.timestamp;
  for (const kind of ['video', 'audio']) {
    assert.deepEqual(media(got, kind).map((f) => summary(f)), media(frames, kind).map((f) => summary(f, base)));
  }
  const headers = (list: MediaFrame[]) => list.filter((f) => f.sequenceHeader).map((f) => f.body.toString('hex'));
  const [video, audio] = headers(frames);
  // ADTS carries the AudioSpecificConfig's first two bytes, not its explicit SBR extension.
  assert.deepEqual(headers(got), [video, audio!.slice(0, 8)]);
});

test('HEVC comes back as Enhanced RTMP hvc1 frames with a matching decoder record', () => {
  const record = fixture('hevc-main-1920x1080.hvcc');
  const ex = (first: number, payload: Buffer) => Buffer.concat([Buffer.from([first]), Buffer.from('hvc1'), payload]);
  const idr = Buffer.from([0x26, 0x01, 0xaf, 0x11]);
  const trail = Buffer.from([0x02, 0x01, 0xd0, 0x22]);
  const frames = [
    frame('video', 0, ex(0x90, record), false, true),
    frame('video', 0, ex(0x91, Buffer.concat([Buffer.from([0, 0, 40]), avcc(idr)])), true),
    frame('video', 40, ex(0xa1, Buffer.concat([Buffer.from([0, 0, 0]), avcc(trail)]))),
  ];
  const { frames: got, warnings } = demux(mux(frames));
  assert.deepEqual(warnings, []);
  assert.deepEqual(got.map((f) => summary(f)), frames.map((f) => summary(f)));
});

test('MP3 frames come back one per FLV tag, with timestamps from the PTS', () => {
  // MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, joint stereo: 417 bytes a frame.
  const mp3 = Buffer.alloc(417, 0x55);
  Buffer.from([0xff, 0xfb, 0x90, 0x64]).copy(mp3);
  const frames = [0, 26, 52].map((t) => frame('audio', t, Buffer.concat([Buffer.from([0x2f]), mp3])));
  const { frames: got } = demux(mux(frames));
  assert.deepEqual(got.map((f) => summary(f)), frames.map((f) => summary(f)));
});

test('new SPS/PPS mid-stream give a new sequence header before the frame that uses them', () => {
  const high = Buffer.concat([Buffer.from([0x17, 0, 0, 0, 0]), fixture('h264-high-1920x1080.avcc')]);
  const frames = [AVC_HEADER, frame('video', 0, h264(true, 0, IDR), true), frame('video', 40, h264(false, 0, SLICE)), frame('video', 80, high, false, true), frame('video', 80, h264(true, 0, IDR), true)];
  // The muxer writes the parameter sets in force before each keyframe.
  const writer = new TsFrameWriter();
  writer.configure(AVC_HEADER);
  const parts = writer.start();
  for (const f of frames.slice(1)) {
    if (f.sequenceHeader) writer.configure(f);
    else parts.push(writer.encode(f)!);
  }
  const { frames: got } = demux(Buffer.concat(parts));
  assert.deepEqual(got.map((f) => [f.sequenceHeader, f.keyframe]), [[true, false], [false, true], [false, false], [true, false], [false, true]]);
  assert.equal(got[3]!.body.toString('hex'), high.toString('hex'));
});

test('timestamps run on across the 33-bit wrap of the 90 kHz clock', () => {
  const muxer = new TsMuxer({ audio: 'AAC' });
  const adts = (n: number) => Buffer.concat([Buffer.from([0xff, 0xf1, 0x50, 0x80, 0x03, 0x1f, 0xfc]), Buffer.alloc(17, n)]);
  const wrap = 2 ** 33;
  const pts = [wrap - 2 * 1920, wrap - 1920, 0, 1920, 3840];
  const ts = Buffer.concat([...muxer.tables(), ...pts.map((p, i) => muxer.audio([adts(i)], p))]);
  const { frames } = demux(ts);
  assert.deepEqual(frames.filter((f) => !f.sequenceHeader).map((f) => f.timestamp), [0, 21, 43, 64, 85]);
});

test('several ADTS frames in one PES become one frame each with interpolated timestamps', () => {
  const muxer = new TsMuxer({ audio: 'AAC' });
  const adts = (n: number) => Buffer.concat([Buffer.from([0xff, 0xf1, 0x50, 0x80, 0x03, 0x1f, 0xfc]), Buffer.alloc(17, n)]);
  const ts = Buffer.concat([...muxer.tables(), muxer.audio([adts(1), adts(2), adts(3)], 90_000)]);
  const { frames } = demux(ts);
  assert.deepEqual(frames.map((f) => [f.timestamp, f.body.toString('hex').slice(0, 8)]), [[0, 'af001210'], [0, 'af010101'], [23, 'af010202'], [46, 'af010303']]);
});

test('a jump of the clock (a restarted encoder) is stepped over: time runs on monotonically', () => {
  const muxer = new TsMuxer({ audio: 'AAC' });
  const adts = Buffer.concat([Buffer.from([0xff, 0xf1, 0x50, 0x80, 0x03, 0x1f, 0xfc]), Buffer.alloc(17, 1)]);
  // 90 kHz ticks: three frames, then the clock starts again an hour earlier, then jumps 20 s ahead.
  const pts = [400_000_000, 400_001_920, 400_003_840, 76_000_000, 76_001_920, 77_801_920, 77_803_840];
  const ts = Buffer.concat([...muxer.tables(), ...pts.map((p) => muxer.audio([adts], p))]);
  const { frames } = demux(ts);
  assert.deepEqual(frames.filter((f) => !f.sequenceHeader).map((f) => f.timestamp), [0, 21, 43, 43, 64, 64, 85]);
});
