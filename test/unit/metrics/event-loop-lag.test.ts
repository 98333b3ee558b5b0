import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { SluiceMetrics } from '../../../src/metrics/index.js';
import { EVENT_LOOP_SAMPLE_MS, timerLatenessMs } from '../../../src/metrics/event-loop-lag.js';
import { parsePrometheus, valueOf } from '../../support/prometheus.js';

test('the sampling period is taken off the interval Node records, never below zero', () => {
  assert.equal(timerLatenessMs((EVENT_LOOP_SAMPLE_MS + 2.5) * 1e6), 2.5);
  assert.equal(timerLatenessMs((EVENT_LOOP_SAMPLE_MS - 0.8) * 1e6), 0);
});

test('the event-loop delay gauges report how late the sampling timer ran, not the period between its runs', async () => {
  const metrics = new SluiceMetrics();
  await sleep(EVENT_LOOP_SAMPLE_MS * 4); // a few samples of an idle loop
  const samples = parsePrometheus((await metrics.render()).text);
  const min = valueOf(samples, 'nodejs_eventloop_lag_min_seconds');
  const p99 = valueOf(samples, 'nodejs_eventloop_lag_p99_seconds');
  assert.ok(min !== undefined && p99 !== undefined);
  // With the period left in, an idle loop's minimum would read the period itself (0.1 s).
  assert.ok(min >= 0 && min < EVENT_LOOP_SAMPLE_MS / 2000, `min ${min}`);
  assert.ok(p99 >= min, `p99 ${p99}`);
});
