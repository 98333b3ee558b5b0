import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClientSession } from '../../../src/gate/types.js';
import type { EncodedFrame, MediaFrame } from '../../../src/media/frame.js';
import type { StreamReader } from '../../../src/hub/reader.js';
import { Stream, type Publisher } from '../../../src/hub/stream.js';

function reader(id: string, audience?: string): StreamReader & { frames: EncodedFrame[] } {
  const frames: EncodedFrame[] = [];
  return { id, audience, frames, enqueue: (frame) => (frames.push(frame), true), flush: () => {}, resync: () => {} };
}

const publisher = (protocol: string): Publisher => ({ id: protocol, protocol, session: {} as ClientSession, close: () => {} });
const frame = (timestamp: number): MediaFrame => ({ kind: 'video', timestamp, body: Buffer.alloc(10), keyframe: true, sequenceHeader: false });

// The policy SRS's rtc_to_rtmp off is made of: a publish that reaches only one audience.
test('a publish kept from the usual audience reaches only its own readers and is announced to nobody', () => {
  const events: string[] = [];
  const stream = new Stream('v', 'live', 's', {
    gopCache: true,
    gopCacheMaxFrames: 100,
    queueLengthSeconds: 10,
    mergedWriteMs: 0,
    reaches: (p, audience) => p.protocol !== 'only-a' || audience === 'a',
  }, { published: () => events.push('published'), unpublished: () => events.push('unpublished'), idle: () => {}, gopDropped: () => {} });
  const usual = reader('usual');
  const early = reader('a', 'a');
  stream.addReader(usual);
  stream.addReader(early);
  const narrow = publisher('only-a');
  assert.ok(stream.attachPublisher(narrow));
  stream.push(frame(0));
  const late = reader('late-a', 'a');
  const lateUsual = reader('late-usual');
  stream.addReader(late);
  stream.addReader(lateUsual);
  assert.deepEqual([usual.frames.length, lateUsual.frames.length], [0, 0]);
  assert.deepEqual([early.frames.length, late.frames.length], [1, 1], 'its own audience gets the frame, and the GOP on joining');
  assert.ok(!stream.attachPublisher(publisher('other')), 'the name stays claimed');
  stream.detachPublisher(narrow);
  assert.deepEqual(events, []);

  const wide = publisher('rtmp');
  stream.attachPublisher(wide);
  stream.push(frame(40));
  assert.deepEqual([usual.frames.length, early.frames.length], [1, 2]);
  stream.detachPublisher(wide);
  assert.deepEqual(events, ['published', 'unpublished']);
});
