import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MediaFrame } from '../../../src/media/frame.js';
import type { StreamReader } from '../../../src/hub/reader.js';
import { Stream, type StreamEvents, type StreamOptions } from '../../../src/hub/stream.js';

/** A reader that records the frames a stream hands it at start-up. */
function recorder(): StreamReader & { frames: MediaFrame[] } {
  const frames: MediaFrame[] = [];
  return {
    id: 'probe',
    frames,
    enqueue: (frame) => (frames.push(frame), true),
    flush: () => {},
    resync: () => {},
  };
}

function streamWith(options: Partial<StreamOptions>): { stream: Stream; drops: Array<{ frames: number; bytes: number }> } {
  const drops: Array<{ frames: number; bytes: number }> = [];
  const events: StreamEvents = { published() {}, unpublished() {}, idle() {}, gopDropped: (_stream, cached) => drops.push(cached) };
  const stream = new Stream('v', 'live', 's', { gopCache: true, gopCacheMaxFrames: 1000, queueLengthSeconds: 10, mergedWriteMs: 0, ...options }, events);
  return { stream, drops };
}

const video = (keyframe: boolean, bytes: number, timestamp: number): MediaFrame => ({
  kind: 'video',
  timestamp,
  body: Buffer.alloc(bytes),
  keyframe,
  sequenceHeader: false,
});

/** What a reader that joins now gets from the cache. */
function cached(stream: Stream): number[] {
  const reader = recorder();
  stream.addReader(reader);
  stream.removeReader(reader);
  return reader.frames.map((frame) => frame.body.length);
}

test('a GOP that would pass gop_cache_max_bytes is dropped once, and caching resumes at the next keyframe', () => {
  const { stream, drops } = streamWith({ gopCacheMaxBytes: 10_000 });
  const probe = recorder();
  stream.addReader(probe); // keeps the stream alive
  stream.push(video(true, 4000, 0));
  stream.push(video(false, 4000, 40));
  assert.deepEqual(cached(stream), [4000, 4000]);
  stream.push(video(false, 4000, 80));
  assert.deepEqual(cached(stream), [], 'dropped whole');
  stream.push(video(false, 100, 120));
  assert.deepEqual(cached(stream), [], 'nothing cached before the next keyframe');
  assert.deepEqual(drops, [{ frames: 3, bytes: 12_000 }], 'one drop reported');
  stream.push(video(true, 500, 160));
  stream.push(video(false, 100, 200));
  assert.deepEqual(cached(stream), [500, 100]);
  assert.equal(drops.length, 1);
});

test('the frame bound still applies alongside the byte bound', () => {
  const { stream, drops } = streamWith({ gopCacheMaxFrames: 3, gopCacheMaxBytes: 1_000_000 });
  stream.addReader(recorder());
  for (let i = 0; i < 3; i++) stream.push(video(i === 0, 10, i * 40));
  assert.deepEqual(cached(stream), [10, 10, 10]);
  stream.push(video(false, 10, 120));
  assert.deepEqual(cached(stream), []);
  assert.deepEqual(drops, [{ frames: 4, bytes: 40 }]);
});

test('audio older than the cached keyframe (sent late by the publisher) is not replayed to a new reader', () => {
  const { stream } = streamWith({});
  const probe = recorder();
  stream.addReader(probe);
  const audio = (bytes: number, timestamp: number): MediaFrame => ({ kind: 'audio', timestamp, body: Buffer.alloc(bytes), keyframe: false, sequenceHeader: false });
  stream.push(video(true, 1000, 1000));
  stream.push(audio(11, 860)); // packed with earlier frames, arriving after the keyframe
  stream.push(audio(12, 980));
  stream.push(audio(13, 1000));
  stream.push(video(false, 200, 1040));
  assert.deepEqual(cached(stream), [1000, 13, 200]);
  assert.equal(probe.frames.length, 5, 'a reader already playing gets every frame');
});

test('audio that arrived before a keyframe but is not older than it starts the new GOP with it', () => {
  const { stream } = streamWith({});
  const probe = recorder();
  stream.addReader(probe);
  const audio = (timestamp: number, bytes: number): MediaFrame => ({ kind: 'audio', timestamp, body: Buffer.alloc(bytes), keyframe: false, sequenceHeader: false });
  stream.push(video(true, 100, 0));
  stream.push(audio(960, 11));
  stream.push(audio(1000, 12));
  stream.push(audio(1020, 13));
  stream.push(video(true, 200, 1000));
  stream.push(video(false, 50, 1040));
  assert.deepEqual(cached(stream), [200, 12, 13, 50]);
});
