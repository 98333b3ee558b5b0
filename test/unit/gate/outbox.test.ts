import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fakeSession, makeGate, Receiver, sleep, startReceiver, tempDir, type Received } from './support.js';

/** The durable outbox: informational events survive a receiver outage and a restart, in order, once each. */

async function freePort(): Promise<number> {
  const probe = await Receiver.start();
  const port = probe.port;
  await probe.close();
  return port;
}

const hooksOn = (base: string, extra: Record<string, unknown> = {}) => ({
  http_hooks: { enabled: true, on_unpublish: `${base}/unpublish`, on_stop: `${base}/stop`, on_close: `${base}/close`, ...extra },
});

const actionOf = (r: Received) => (JSON.parse(r.body) as { action: string; client_id: string });

test('events that piled up while the receiver was down are delivered after a restart, in order, once per id', async () => {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const dir = tempDir();
  try {
    const first = makeGate(hooksOn(base), dir.dir);
    for (let i = 0; i < 5; i++) {
      const session = fakeSession({ id: `pub${i}` });
      await first.publish(session);
      first.unpublished(session);
      first.closed(session);
    }
    await sleep(100); // a few failed attempts
    assert.ok(first.listDeliveries().some((d) => d.outcome === 'retrying'));
    await first.close();

    const receiver = await Receiver.start(undefined, port);
    try {
      const second = makeGate(hooksOn(base), dir.dir);
      try {
        const got = await receiver.waitFor(10);
        await sleep(200); // nothing more may come
        assert.equal(receiver.requests.length, 10);
        const ids = new Set(got.map((r) => r.headers['webhook-id']));
        assert.equal(ids.size, 10, 'each event once');
        for (let i = 0; i < 5; i++) {
          const mine = got.filter((r) => actionOf(r).client_id === `pub${i}`).map((r) => actionOf(r).action);
          assert.deepEqual(mine, ['on_unpublish', 'on_close'], `order of pub${i}`);
        }
        assert.equal(second.listDeliveries({ event: 'on_close' }).filter((d) => d.outcome === 'delivered').length, 5);
      } finally {
        await second.close();
      }
    } finally {
      await receiver.close();
    }
  } finally {
    dir.remove();
  }
});

test("a session's next event waits until its previous one is delivered; other sessions do not wait", async (t) => {
  let failuresLeft = 3;
  const receiver = await startReceiver(t, (req, res) => {
    const body = JSON.parse(req.body) as { action: string; client_id: string };
    if (body.client_id === 'slow' && body.action === 'on_stop' && failuresLeft-- > 0) res.writeHead(503);
    res.end('0');
  });
  const dir = tempDir();
  const gate = makeGate(hooksOn(receiver.url('')), dir.dir);
  try {
    const slow = fakeSession({ id: 'slow' });
    const fast = fakeSession({ id: 'fast' });
    gate.stopped(slow);
    gate.closed(slow);
    gate.stopped(fast);
    gate.closed(fast);
    await receiver.waitFor(1, (r) => r.url === '/close' && actionOf(r).client_id === 'slow');
    const seen = receiver.requests.map((r) => `${actionOf(r).client_id} ${actionOf(r).action}`);
    assert.deepEqual(seen.filter((s) => s.startsWith('slow')), ['slow on_stop', 'slow on_stop', 'slow on_stop', 'slow on_stop', 'slow on_close']);
    assert.ok(seen.indexOf('fast on_close') < seen.indexOf('slow on_close'), 'the fast session was not held up');
  } finally {
    await gate.close();
    dir.remove();
  }
});

test('an event older than outbox_max_age is given up with a log entry', async () => {
  const port = await freePort();
  const dir = tempDir();
  try {
    const gate = makeGate(hooksOn(`http://127.0.0.1:${port}`, { outbox_max_age: '150ms' }), dir.dir);
    gate.closed(fakeSession());
    await sleep(400);
    const entries = gate.listDeliveries({ event: 'on_close' });
    assert.equal(entries[0]?.outcome, 'expired');
    assert.match(entries[0]!.detail, /given up after \d+ attempts: older than outbox_max_age/);
    await gate.close();
    // Nothing is left to deliver.
    const receiver = await Receiver.start(undefined, port);
    const again = makeGate(hooksOn(`http://127.0.0.1:${port}`), dir.dir);
    await sleep(150);
    assert.equal(receiver.requests.length, 0);
    await again.close();
    await receiver.close();
  } finally {
    dir.remove();
  }
});

test('a 4xx refuses an event for good (no retry); 5xx and 429 are retried', async (t) => {
  const stopStatuses = [500, 429, 200];
  const receiver = await startReceiver(t, (req, res) => {
    res.writeHead(req.url === '/close' ? 404 : stopStatuses.shift() ?? 200);
    res.end('0');
  });
  const dir = tempDir();
  const gate = makeGate(hooksOn(receiver.url('')), dir.dir);
  try {
    gate.closed(fakeSession({ id: 'a' }));
    gate.stopped(fakeSession({ id: 'b' }));
    await receiver.waitFor(3, (r) => r.url === '/stop');
    await sleep(100);
    assert.equal(receiver.requests.filter((r) => r.url === '/close').length, 1);
    assert.deepEqual(gate.listDeliveries({ event: 'on_close' }).map((d) => d.outcome), ['rejected']);
    const attempts = gate.listDeliveries({ event: 'on_stop' }).map((d) => `${d.attempt} ${d.status} ${d.outcome}`);
    assert.deepEqual(attempts.reverse(), ['1 500 retrying', '2 429 retrying', '3 200 delivered']);
  } finally {
    await gate.close();
    dir.remove();
  }
});
