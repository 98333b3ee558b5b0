import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClientSession } from '../../../src/gate/types.js';
import type { MediaFrame } from '../../../src/media/frame.js';
import { Reader, type FrameSink } from '../../../src/hub/reader.js';
import { StreamHub } from '../../../src/hub/stream-hub.js';

const frame = (keyframe: boolean, timestamp: number): MediaFrame => ({
  kind: 'video',
  timestamp,
  body: Buffer.alloc(100),
  keyframe,
  sequenceHeader: false,
});

test('hub totals keep the frames and slow-reader drops of streams and readers that are gone', async () => {
  const hub = new StreamHub(
    () => ({ gopCache: true, gopCacheMaxFrames: 100, queueLengthSeconds: 0.1, mergedWriteMs: 0 }),
    (error) => assert.fail(String(error)),
  );
  const stream = hub.acquire('v', 'live', 's');
  const publisher = { id: 'p', protocol: 'rtmp', session: {} as ClientSession, close() {} };
  assert.ok(stream.attachPublisher(publisher));
  // A player whose socket never drains: every frame is skipped, then it is disconnected.
  const stuck: FrameSink = { pendingBytes: 1 << 30, write() {}, close: () => stream.removeReader(slow) };
  const slow = new Reader('slow', stuck, { key: 'flv', encode: (f) => f.body });
  const fine = new Reader('fine', { pendingBytes: 0, write() {}, close() {} }, { key: 'flv', encode: (f) => f.body });
  stream.addReader(slow);
  stream.addReader(fine);

  stream.push(frame(true, 0));
  stream.push(frame(false, 40));
  stream.flush();
  assert.deepEqual(hub.totals(), { framesIn: 2, framesDropped: 2, slowDisconnects: 0 });

  // Past queue_length × 2 of being stuck, the next flush disconnects it.
  await new Promise((resolve) => setTimeout(resolve, 250));
  stream.push(frame(false, 80));
  stream.flush();
  assert.ok(slow.isClosed && slow.stats.tooSlow);
  assert.deepEqual(hub.totals(), { framesIn: 3, framesDropped: 3, slowDisconnects: 1 });

  stream.removeReader(fine);
  stream.detachPublisher(publisher);
  assert.equal(hub.size, 0, 'the stream is gone');
  assert.deepEqual(hub.totals(), { framesIn: 3, framesDropped: 3, slowDisconnects: 1 }, 'its counts stay');
});
