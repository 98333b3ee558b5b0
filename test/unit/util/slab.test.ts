import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Slab } from '../../../src/util/slab.js';

test('buffers cut from a slab never overlap, across slabs and for one larger than a slab', () => {
  const slab = new Slab(1000);
  const taken: Buffer[] = [];
  for (const length of [300, 300, 300, 300, 2500, 10, 999, 1000]) {
    const buffer = slab.take(length);
    assert.equal(buffer.length, length);
    buffer.fill(taken.length + 1);
    taken.push(buffer);
  }
  // Each still holds what was written into it: no later take reused its bytes.
  for (const [i, buffer] of taken.entries()) assert.ok(buffer.every((byte) => byte === i + 1), `buffer ${i}`);
});
