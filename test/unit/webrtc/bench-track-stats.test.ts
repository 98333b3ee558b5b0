import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TrackStats } from '../../../bench/webrtc/track-stats.js';

// The WebRTC bench's receiver figures: loss, NACKs and delay from sequence numbers and timestamps.
test('a gap is counted as lost and NACKed, and no longer lost once it arrives', () => {
  const t = new TrackStats(1, 90000);
  t.add(65534, 0, 100, 0);
  t.add(65535, 3000, 100, 33);
  t.add(2, 12000, 100, 133); // 0 and 1 missing, across the wrap
  assert.equal(t.lost, 2);
  assert.deepEqual(t.takeNacks(), [0, 1]);
  t.add(0, 6000, 100, 150);
  assert.equal(t.lost, 1);
  assert.deepEqual(t.takeNacks(), [1]);
  t.add(0, 6000, 100, 151); // a duplicate is not counted twice
  assert.equal(t.packets, 4);
  assert.equal(t.reportBlock().packetsLost, 1);
});

test('delay is arrival against media time: a late packet shows its lateness', () => {
  const t = new TrackStats(1, 90000);
  t.add(1, 0, 100, 1000);
  t.add(2, 9000, 100, 1100); // on time: 100 ms of media after 100 ms
  t.add(3, 18000, 100, 1250); // 50 ms late
  assert.deepEqual(t.offsetsMs, [0, 0, 50]);
  t.resetWindow();
  assert.equal(t.packets, 0);
  t.add(4, 27000, 100, 1300);
  assert.deepEqual(t.offsetsMs, [0]);
  assert.equal(t.lost, 0);
});
