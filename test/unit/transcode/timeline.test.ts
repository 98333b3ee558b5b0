import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Timeline } from '../../../src/transcode/timeline.js';

const AAC = 1024 / 48000;
const OPUS = 0.02;

/** Feeds `count` AAC frames from `start` ms, with their real timestamps. */
function feed(timeline: Timeline, start: number, count: number): void {
  for (let i = 0; i < count; i++) timeline.input(start + Math.round((i * 1024000) / 48000), AAC);
}

test('output timestamps count samples from the first input timestamp', () => {
  const timeline = new Timeline();
  feed(timeline, 5000, 10);
  assert.deepEqual([timeline.output(OPUS), timeline.output(OPUS), timeline.output(OPUS)], [5000, 5020, 5040]);
});

test('a gap in the input moves the output by the same amount where it comes out', () => {
  const timeline = new Timeline();
  feed(timeline, 0, 15); // 320 ms
  feed(timeline, 2000, 15);
  const out = Array.from({ length: 32 }, () => timeline.output(OPUS));
  assert.equal(out[15], 300);
  assert.equal(out[16], 2000);
  assert.equal(out[17], 2020);
});

test('jitter below the threshold is absorbed; output never goes back, across a restart too', () => {
  const timeline = new Timeline();
  for (let i = 0; i < 20; i++) timeline.input(1000 + i * 21 + (i % 2 ? 5 : -5), AAC);
  const out = Array.from({ length: 20 }, () => timeline.output(OPUS));
  assert.deepEqual(out, Array.from({ length: 20 }, (_, i) => 995 + i * 20));
  timeline.restart();
  feed(timeline, 100, 5); // a source that went back (a new publisher not yet rebased)
  const after = timeline.output(OPUS);
  assert.equal(after, out.at(-1));
  for (let i = 0; i < 5; i++) assert.ok(timeline.output(OPUS) >= after);
});
