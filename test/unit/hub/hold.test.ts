import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Reader } from '../../../src/hub/reader.js';
import { StreamHub } from '../../../src/hub/stream-hub.js';

test('a held stream is watched and kept until released, like one with a player', () => {
  const hub = new StreamHub(
    () => ({ gopCache: true, gopCacheMaxFrames: 100, queueLengthSeconds: 1, mergedWriteMs: 0 }),
    (error) => assert.fail(String(error)),
  );
  const seen: boolean[] = [];
  hub.watched.add(({ watched }) => seen.push(watched));
  const stream = hub.acquire('v', 'live', 's');
  const release = stream.hold();
  assert.deepEqual(seen, [true]);

  // A player that reads while the hold lasts is no second first viewer.
  const player = new Reader('p', { pendingBytes: 0, write() {}, close() {} }, { key: 'flv', encode: (f) => f.body });
  stream.addReader(player);
  stream.removeReader(player);
  assert.deepEqual(seen, [true]);
  assert.equal(hub.find('v', 'live', 's'), stream, 'kept while held');

  release();
  release();
  assert.deepEqual(seen, [true, false]);
  assert.equal(hub.find('v', 'live', 's'), undefined, 'gone once released');
});
