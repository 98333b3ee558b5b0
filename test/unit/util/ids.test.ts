import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientIds, workerIdPrefix, workerOfId } from '../../../src/util/ids.js';

test('client ids are SRS-shaped, and each worker’s start with its own prefix of one width', () => {
  assert.match(new ClientIds().next(), /^[0-9a-z]{8}$/);
  assert.deepEqual([1, 2].map((i) => workerIdPrefix(i, 2)), ['1', '2']);
  assert.deepEqual([1, 10, 36, 40].map((i) => workerIdPrefix(i, 40)), ['01', '0a', '10', '14']);
  // Worker 1 of 40 cannot give an id worker 12 gives: the prefixes are one width.
  const ids = [1, 12].map((i) => new ClientIds(workerIdPrefix(i, 40)));
  for (let n = 0; n < 100; n++) {
    const [a, b] = ids.map((id) => id.next());
    assert.match(a!, /^01[0-9a-z]{6}$/);
    assert.match(b!, /^0c[0-9a-z]{6}$/);
  }
});

test('the worker that gave an id is read back from it; an id no worker gave names none', () => {
  for (const count of [2, 16, 40]) {
    for (const index of [1, count]) assert.equal(workerOfId(new ClientIds(workerIdPrefix(index, count)).next(), count), index);
  }
  assert.equal(workerOfId('3abcdefg', 2), undefined, 'no worker 3 of 2');
  assert.equal(workerOfId('0abcdefg', 2), undefined);
  assert.equal(workerOfId('1abc', 2), undefined, 'not an id');
  assert.equal(workerOfId('?/../..', 2), undefined);
});
