import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WriteAheadJournal } from '../../../src/gate/store/journal.js';
import { silentLogger } from '../../../src/util/logger.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function journal(options: { limit: number; batchMs?: number }) {
  const writes: number[][] = [];
  const log = new WriteAheadJournal<number>((items) => writes.push([...items]), silentLogger(), {
    what: 'test log',
    overflow: 'drop-oldest',
    ...options,
  });
  return { log, writes };
}

test('journal: tick writes of one batch window go to the store in one call, in order', async () => {
  const { log, writes } = journal({ limit: 100, batchMs: 30 });
  log.push(1, 'tick');
  await new Promise(setImmediate);
  log.push(2, 'tick');
  log.push(3, 'tick');
  assert.deepEqual(writes, [], 'nothing written before the window ends');
  assert.deepEqual(log.waiting(), [1, 2, 3]);
  await sleep(60);
  assert.deepEqual(writes, [[1, 2, 3]]);
  log.push(4, 'now');
  assert.deepEqual(writes, [[1, 2, 3], [4]], 'now still writes at once');
});

test('journal: a batch is written at once when half of what memory may hold waits, so none is dropped', async () => {
  const { log, writes } = journal({ limit: 10, batchMs: 1000 });
  for (let i = 1; i <= 12; i++) log.push(i, 'tick');
  assert.deepEqual(writes, [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]);
  assert.deepEqual(log.waiting(), [11, 12]);
  log.close();
  assert.deepEqual(writes.flat(), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 'close writes what waits');
});

test('journal: without a batch window, tick writes go at the end of the event-loop turn', async () => {
  const { log, writes } = journal({ limit: 100 });
  log.push(1, 'tick');
  log.push(2, 'tick');
  assert.deepEqual(writes, []);
  await new Promise(setImmediate);
  assert.deepEqual(writes, [[1, 2]]);
});
