import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openHookStore } from '../../../src/gate/index.js';
import { fakeSession, makeGate, startReceiver, tempDir, type Received } from './support.js';

/** One receiver's trouble never holds up another's events, and shutdown sends the last events out. */

const actionOf = (r: Received) => (JSON.parse(r.body) as { action: string; client_id: string }).action;

test("a hanging receiver does not delay a healthy receiver's events", async (t) => {
  // Takes every request and never answers.
  const hanging = await startReceiver(t, () => undefined);
  const healthy = await startReceiver(t);
  const dir = tempDir();
  t.after(() => dir.remove());
  const gate = makeGate(
    { http_hooks: { enabled: true, timeout: '30s', outbox_shutdown_wait: '100ms', on_unpublish: hanging.url('/streams'), on_stop: healthy.url('/sessions') } },
    dir.dir,
  );
  try {
    for (let i = 0; i < 40; i++) gate.unpublished(fakeSession({ id: `pub${i}` }));
    await hanging.waitFor(1);
    for (let i = 0; i < 10; i++) gate.stopped(fakeSession({ id: `player${i}` }));
    const got = await healthy.waitFor(10);
    assert.deepEqual(new Set(got.map(actionOf)), new Set(['on_stop']));
    // The hanging receiver still holds its calls: none of its 40 events is done.
    assert.ok(hanging.requests.length < 40, `the hanging receiver holds a bounded number of calls, got ${hanging.requests.length}`);
    assert.equal(gate.listDeliveries({ event: 'on_unpublish' }).length, 0);
  } finally {
    await gate.close();
  }
  // Nothing of the hanging receiver was lost: it waits for the next start.
  const store = openHookStore(dir.dir);
  try {
    assert.equal(store.outbox.load().filter((m) => m.event === 'on_unpublish').length, 40);
  } finally {
    store.close();
  }
});

test('at shutdown the last events of the closed sessions are delivered before the gate closes', async (t) => {
  const receiver = await startReceiver(t);
  const dir = tempDir();
  t.after(() => dir.remove());
  const gate = makeGate({ http_hooks: { enabled: true, on_stop: receiver.url('/sessions'), on_close: receiver.url('/clients') } }, dir.dir);
  for (let i = 0; i < 5; i++) {
    const session = fakeSession({ id: `player${i}` });
    gate.stopped(session);
    gate.closed(session);
  }
  await gate.close();
  assert.equal(receiver.requests.length, 10);
  assert.equal(receiver.requests.filter((r) => actionOf(r) === 'on_close').length, 5);
  const store = openHookStore(dir.dir);
  try {
    assert.deepEqual(store.outbox.load(), [], 'nothing left for the next start');
    assert.equal(store.deliveries.list({ limit: 100 }).filter((d) => d.outcome === 'delivered').length, 10);
  } finally {
    store.close();
  }
});

test('shutdown waits only outbox_shutdown_wait for a receiver that hangs; its event stays for the next start', async (t) => {
  const hanging = await startReceiver(t, () => undefined);
  const healthy = await startReceiver(t);
  const dir = tempDir();
  t.after(() => dir.remove());
  const gate = makeGate(
    { http_hooks: { enabled: true, timeout: '60s', outbox_shutdown_wait: '300ms', on_stop: hanging.url('/sessions'), on_close: healthy.url('/clients') } },
    dir.dir,
  );
  gate.stopped(fakeSession({ id: 'a' }));
  gate.closed(fakeSession({ id: 'b' }));
  await hanging.waitFor(1);
  await gate.close();
  assert.equal(healthy.requests.length, 1, "the healthy receiver's event went out");
  const store = openHookStore(dir.dir);
  try {
    const left = store.outbox.load();
    assert.deepEqual(left.map((m) => [m.event, m.id]), [['on_stop', hanging.requests[0]!.headers['webhook-id']]]);
  } finally {
    store.close();
  }
});
