import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../src/config/schema.js';
import type { ClosedSegment } from '../../../src/hls/hls-output.js';
import { HlsSegmenter } from '../../../src/hls/segmenter.js';
import { EncodedFrame } from '../../../src/media/frame.js';
import { createLogger, silentLogger } from '../../../src/util/logger.js';
import { Writable } from 'node:stream';
import type { ClientSession } from '../../../src/gate/types.js';
import { readTs } from '../mpegts/ts-reader.js';
import { audio, audioHeader, av, video, videoHeader } from './frames.js';

const hls = parseConfig({ vhosts: { __defaultVhost__: { hls: { enabled: true, hls_fragment: 2 } } } }).vhosts.__defaultVhost__!.hls;
const publisher = { id: 'pub1', stream: 'livestream' } as ClientSession;
const limits = { maxPendingBytes: 1, maxStallMs: 1 };

function run(frames: Iterable<EncodedFrame>, config = hls, logger = silentLogger()): ClosedSegment[] {
  const segments: ClosedSegment[] = [];
  const segmenter = new HlsSegmenter(config, publisher, { add: (s) => segments.push(s) }, logger);
  for (const frame of frames) assert.equal(segmenter.enqueue(frame, limits, 0), false);
  segmenter.close();
  return segments;
}

test('cuts at the first keyframe after hls_fragment; only the first segment is a discontinuity', () => {
  const segments = run([videoHeader(), audioHeader(), ...av(1000, 9000, 1000)]);
  assert.deepEqual(segments.map((s) => s.duration), [2, 2, 2, 1.96]);
  assert.deepEqual(segments.map((s) => s.discontinuity), [true, false, false, false]);
  assert.equal(segments[0]!.session, publisher);
  for (const segment of segments) {
    const ts = readTs(segment.data);
    assert.deepEqual(ts.streams.map((s) => s.streamType), [0x1b, 0x0f], 'PAT/PMT open every segment');
    const first = ts.pes.find((p) => p.pid === 0x100)!;
    assert.ok(first.randomAccess, 'each segment starts with a keyframe');
  }
});

const keyframeFirst = (segment: ClosedSegment): boolean =>
  readTs(segment.data).pes.find((p) => p.pid === 0x100)!.randomAccess;

test('a long GOP is cut only at its keyframes, whatever hls_fragment says', () => {
  const segments = run([videoHeader(), audioHeader(), ...av(0, 30_000, 10_000)]);
  assert.deepEqual(segments.map((s) => s.duration), [10, 10, 9.96]);
  assert.ok(segments.every(keyframeFirst), 'every segment starts with a keyframe');
});

test('with hls_wait_keyframe off a long GOP is cut at any video frame after hls_fragment', () => {
  const segments = run([videoHeader(), ...av(0, 10_000, 8000)], { ...hls, hls_wait_keyframe: false });
  assert.deepEqual(segments.map((s) => s.duration), [2, 2, 2, 2, 1.96]);
  assert.deepEqual(segments.map(keyframeFirst), [true, false, false, false, true]);
});

test('a timestamp jump ends the segment and the next one starts a discontinuity', () => {
  const frames = [videoHeader(), ...av(0, 3000, 1000), ...av(60_000, 63_000, 1000), ...av(1000, 3000, 1000)];
  const segments = run(frames);
  assert.deepEqual(segments.map((s) => s.duration), [2, 0.96, 2, 0.96, 1.96]);
  assert.deepEqual(segments.map((s) => s.discontinuity), [true, false, true, false, true]);
});

test('hls_acodec an and hls_vcodec vn leave the track out; audio-only HLS is then cut by time', () => {
  const noAudio = run([videoHeader(), audioHeader(), ...av(0, 3000, 1000)], { ...hls, hls_acodec: 'an' });
  assert.deepEqual(readTs(noAudio[0]!.data).streams.map((s) => s.streamType), [0x1b]);
  const noVideo = run([videoHeader(), audioHeader(), ...av(0, 5000, 10_000)], { ...hls, hls_vcodec: 'vn' });
  assert.deepEqual(readTs(noVideo[0]!.data).streams.map((s) => s.streamType), [0x0f]);
  assert.equal(noVideo.length, 3);
});

test('continuity counters run on across the segments of a publish, on every PID', () => {
  const segments = run([videoHeader(), audioHeader(), ...av(0, 9000, 1000)]);
  // The strict reader checks every PID's counter from one packet to the next.
  const ts = readTs(Buffer.concat(segments.map((s) => s.data)));
  assert.equal(ts.pes.filter((p) => p.randomAccess).length, 9);
});

test('frames before the first keyframe are skipped; audio-only streams cut at any frame', () => {
  const before = run([videoHeader(), video(0, false), audio(10), video(40, true), video(80, false), audio(100)]);
  assert.equal(before.length, 1);
  assert.equal(before[0]!.duration, 0.04, 'audio without its sequence header is left out');

  const frames = [audioHeader()];
  for (let t = 0; t <= 5000; t += 23) frames.push(audio(t));
  const audioOnly = run(frames);
  assert.equal(audioOnly.length, 3);
  assert.ok(audioOnly.slice(0, 2).every((s) => s.duration >= 2 && s.duration < 2.03));
  assert.equal(readTs(audioOnly[0]!.data).pcrPid, 0x101);
});

test('a malformed frame is skipped and the stream goes on', () => {
  const broken = new EncodedFrame({ kind: 'video', timestamp: 1040, body: Buffer.from([0x27, 1, 0, 0, 0, 0, 0, 0, 99, 1]), keyframe: false, sequenceHeader: false });
  const segments = run([videoHeader(), video(1000, true), broken, video(1080, false)]);
  assert.equal(segments.length, 1);
  assert.equal(readTs(segments[0]!.data).pes.length, 2);
});

test('audio that MPEG-TS cannot carry is left out, and the log says why once per publish', () => {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  // Legacy SoundFormat 7: G.711 A-law, which has no sequence header.
  const g711 = (timestamp: number) => new EncodedFrame({ kind: 'audio', timestamp, body: Buffer.from([0x72, 1, 2, 3]), keyframe: false, sequenceHeader: false });
  const frames = [videoHeader(), ...av(0, 3000, 1000)].map((f) => (f.kind === 'audio' ? g711(f.timestamp) : f));
  const segments = run(frames, hls, createLogger('info', sink));
  assert.deepEqual(readTs(segments[0]!.data).streams.map((s) => s.streamType), [0x1b]);
  const leftOut = lines.filter((l) => l.msg === 'hls leaves a track out');
  assert.equal(leftOut.length, 1);
  assert.deepEqual([leftOut[0]!.track, leftOut[0]!.reason], ['audio', 'G711A cannot be carried in MPEG-TS']);
});

test('audio that arrives after the cut but is older than it ends the segment before, not the next', () => {
  // Publishers pack audio frames together (RTP, MPEG-TS PES): audio reaches us 150 ms behind video.
  const arrival = (frame: EncodedFrame): number => frame.timestamp + (frame.kind === 'audio' ? 150 : 0);
  const frames = [...av(0, 6000, 1000)].sort((a, b) => arrival(a) - arrival(b));
  const segments = run([videoHeader(), audioHeader(), ...frames]);
  assert.deepEqual(segments.map((s) => s.duration), [2, 2, 1.957]);
  let audioFrames = 0;
  for (const segment of segments) {
    const pes = readTs(segment.data).pes;
    const start = pes.find((p) => p.pid === 0x100)!.pts;
    const sounds = pes.filter((p) => p.pid === 0x101);
    audioFrames += sounds.length;
    assert.ok(sounds.every((p) => p.pts >= start), 'no audio before the segment\'s first picture');
  }
  assert.equal(audioFrames, frames.filter((f) => f.kind === 'audio').length, 'no audio lost');
});
