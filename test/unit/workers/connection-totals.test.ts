import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConnectionTotals } from '../../../src/app/workers/connection-totals.js';
import { ConnectionCounter } from '../../../src/servers/context.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('each worker learns the connections the others hold, and refuses past max_connections for the whole server', async () => {
  const counters = new Map([1, 2].map((w) => [w, new ConnectionCounter(() => 3)]));
  const totals = new ConnectionTotals((worker, elsewhere) => void (counters.get(worker)!.elsewhere = elsewhere), () => [...counters.keys()]);
  for (const [worker, counter] of counters) counter.onChange = (count) => totals.report(worker, count);

  const one = counters.get(1)!;
  const two = counters.get(2)!;
  const slots = [one.acquire(), one.acquire()];
  await tick();
  assert.equal(two.elsewhere, 2);
  assert.ok(two.acquire(), 'the third connection of the server');
  await tick();
  assert.equal(one.acquire(), undefined, 'a fourth is refused on worker 1');
  assert.equal(two.acquire(), undefined, 'and on worker 2');

  slots[0]!.release();
  await tick();
  assert.ok(two.acquire(), 'a released place is free on any worker');

  // A worker that dies frees what it held.
  totals.forget(2);
  await tick();
  assert.equal(one.elsewhere, 0);
});
