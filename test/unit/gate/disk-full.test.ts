import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { hookDbPath, openHookStore, type HookStore } from '../../../src/gate/index.js';
import { openHookDb } from '../../../src/gate/store/db.js';
import { DeliveryTable } from '../../../src/gate/store/deliveries.js';
import { OutboxTable } from '../../../src/gate/store/outbox.js';
import { createLogger } from '../../../src/util/logger.js';
import { fakeSession, makeGate, sleep, startReceiver, tempDir, type Received } from './support.js';

/** A full disk: gates still decide, informational events are kept in memory and reach the receiver. */

/** A JSON-lines logger whose lines the test can read. */
function capturedLogger(): { logger: ReturnType<typeof createLogger>; lines: () => Array<{ level: number; msg: string; err?: { message: string } }> } {
  const sink = new PassThrough();
  const chunks: string[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
  return {
    logger: createLogger('info', sink),
    lines: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level: number; msg: string }),
  };
}

/** The real SQLite store, whose writes fail while `full` is set. */
function failingStore(dir: string): HookStore & { full: boolean } {
  const real = openHookStore(dir);
  const fail = (): never => {
    throw new Error('database or disk is full');
  };
  const store = {
    full: false,
    outbox: { load: () => real.outbox.load(), write: (c: Parameters<HookStore['outbox']['write']>[0]) => (store.full ? fail() : real.outbox.write(c)) },
    deliveries: {
      insert: (e: Parameters<HookStore['deliveries']['insert']>[0]) => (store.full ? fail() : real.deliveries.insert(e)),
      list: (q: Parameters<HookStore['deliveries']['list']>[0]) => real.deliveries.list(q),
    },
    close: () => real.close(),
  };
  return store;
}

const hooks = (receiver: { url(p: string): string }) => ({
  http_hooks: { enabled: true, on_publish: receiver.url('/streams'), on_unpublish: receiver.url('/streams'), on_play: receiver.url('/sessions'), on_stop: receiver.url('/sessions'), on_close: receiver.url('/clients') },
});
const actionOf = (r: Received) => (JSON.parse(r.body) as { action: string }).action;

test('while the store cannot be written, gates decide, events are delivered from memory, and everything is written once it can', async (t) => {
  let refuseStops = true;
  const receiver = await startReceiver(t, (req, res) => {
    if (actionOf(req) === 'on_stop' && refuseStops) res.writeHead(503);
    res.end('0');
  });
  const dir = tempDir();
  t.after(() => dir.remove());
  const store = failingStore(dir.dir);
  const { logger, lines } = capturedLogger();
  const gate = makeGate(hooks(receiver), dir.dir, { store, logger, outbox: { baseDelayMs: 20, maxDelayMs: 100, retryMs: 50 } });
  try {
    store.full = true;
    for (let i = 0; i < 20; i++) {
      const publisher = fakeSession({ id: `pub${i}` });
      assert.deepEqual(await gate.publish(publisher), {});
      gate.unpublished(publisher);
      gate.closed(publisher);
    }
    const player = fakeSession({ id: 'player' });
    assert.deepEqual(await gate.play(player), {});
    gate.stopped(player);
    await receiver.waitFor(20, (r) => actionOf(r) === 'on_close');
    await receiver.waitFor(2, (r) => actionOf(r) === 'on_stop');
    assert.ok(gate.listDeliveries({ event: 'on_close', limit: 100 }).length >= 20, 'the delivery log answers from memory');

    const errors = lines().filter((l) => l.level >= 50);
    assert.deepEqual(errors.map((l) => l.msg).sort(), [
      'callback delivery log cannot be written; keeping up to 10000 writes in memory until it can',
      'callback outbox cannot be written; keeping up to 10000 writes in memory until it can',
    ], 'one error per store for the whole episode, not one per event');

    store.full = false;
    await waitUntil(() => lines().filter((l) => /is written again/.test(l.msg)).length === 2);
    // The on_stop the receiver still refuses is now on disk, so it survives a restart.
    const onDisk = openHookStore(dir.dir);
    try {
      assert.deepEqual(onDisk.outbox.load().map((m) => m.event), ['on_stop']);
      assert.ok(onDisk.deliveries.list({ event: 'on_publish', limit: 100 }).length === 20, 'the delivery log of the episode was written');
    } finally {
      onDisk.close();
    }
    refuseStops = false;
    await waitUntil(() => gate.listDeliveries({ event: 'on_stop' }).some((d) => d.outcome === 'delivered'));
  } finally {
    await gate.close();
  }
  const after = openHookStore(dir.dir);
  try {
    assert.deepEqual(after.outbox.load(), []);
  } finally {
    after.close();
  }
});

test('a full SQLite file (max_page_count) does not stop publishes, plays or their last events', async (t) => {
  const receiver = await startReceiver(t);
  const dir = tempDir();
  t.after(() => dir.remove());
  const db = openHookDb(hookDbPath(dir.dir));
  db.exec('CREATE TABLE filler (x BLOB)');
  const store: HookStore = { outbox: new OutboxTable(db), deliveries: new DeliveryTable(db), close: () => db.close() };
  const { logger, lines } = capturedLogger();
  const gate = makeGate(hooks(receiver), dir.dir, { store, logger });
  try {
    // The file may not grow any more, and its free pages are taken.
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    assert.throws(() => {
      for (;;) db.prepare('INSERT INTO filler VALUES (zeroblob(1000))').run();
    }, /database or disk is full/);

    for (let i = 0; i < 30; i++) {
      const publisher = fakeSession({ id: `pub${i}` });
      const player = fakeSession({ id: `play${i}`, protocol: 'http-flv' });
      await gate.publish(publisher);
      await gate.play(player);
      gate.stopped(player);
      gate.unpublished(publisher);
      gate.closed(publisher);
    }
    await receiver.waitFor(30, (r) => actionOf(r) === 'on_close');
    await receiver.waitFor(30, (r) => actionOf(r) === 'on_stop');
    const errors = lines().filter((l) => l.level >= 50);
    assert.ok(errors.length >= 1 && errors.length <= 2, `logged once per store, got ${errors.length}`);
    assert.match(errors[0]!.err!.message, /database or disk is full/);
  } finally {
    await gate.close();
  }
});

async function waitUntil(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await sleep(10);
  assert.ok(check(), 'condition not reached');
}
