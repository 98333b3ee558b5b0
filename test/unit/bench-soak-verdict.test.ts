import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatencyHistogram } from '../../bench/load/window.js';
import { soakVerdict, type SoakRun, type SoakSampleRow } from '../../bench/soak-report.js';
import type { SoakPlayer } from '../../bench/load/protocol.js';

// The long-run bench's verdict: RSS growth counts from the sample at 1 minute, a player without
// media for more than 5 s is stalled, a closed one dropped, and any of them fails the run.
const options = { server: 'sluice', mw: undefined, players: 3, minutes: 10, sample: 60, warmup: 0, batch: 3, quietWait: 0, heapSnapshots: false } as const;

function sample(seconds: number, rssMiB: number): SoakSampleRow {
  return { seconds, rssMiB, anonMiB: 0, fileMiB: 0, playersConnected: 3, playersStalledNow: 0, bytesReceived: 0 };
}

const playing: SoakPlayer = { bytes: 1000, frames: 10, longestGapMs: 120, lost: false };

function run(samples: SoakSampleRow[], players: SoakPlayer[]): SoakRun {
  return { date: '', label: 'sluice', options, connected: 3, samples, minutes: [], players };
}

test('RSS growth is measured from the first minute, and a flat run with every player playing passes', () => {
  const v = soakVerdict(run([sample(30, 50), sample(60, 100), sample(300, 104), sample(600, 104.5)], [playing, playing, playing]));
  assert.equal(v.rssAt1MinMiB, 100);
  assert.ok(Math.abs(v.rssGrowthPercent - 4.5) < 1e-9);
  assert.ok(Math.abs(v.rssGrowthAfter5MinPercent - (100 * 0.5) / 104) < 1e-9);
  assert.deepEqual([v.pass, v.playersAtEnd, v.dropped, v.stalled], [true, 3, 0, 0]);
});

test('RSS growth over 5 %, a stalled player and a dropped one each fail the run', () => {
  const stalled = { ...playing, longestGapMs: 5001 };
  const dropped = { ...playing, lost: true, longestGapMs: 60_000, lostAfterSeconds: 200 };
  const v = soakVerdict(run([sample(60, 100), sample(600, 106)], [playing, stalled, dropped]));
  assert.equal(v.pass, false);
  assert.deepEqual([v.playersAtEnd, v.dropped, v.stalled], [2, 1, 1]);
  assert.equal(v.failures.length, 3);
});

test('a latency histogram starts over after reset', () => {
  const h = new LatencyHistogram();
  for (const ms of [10, 20, 900]) h.add(ms);
  assert.equal(h.quantile(0.99), 900);
  h.reset();
  assert.ok(Number.isNaN(h.quantile(0.5)));
  h.add(15);
  assert.deepEqual([h.count, h.max, h.quantile(0.99)], [1, 15, 15]);
});
