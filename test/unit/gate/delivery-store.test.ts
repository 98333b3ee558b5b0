import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import type BetterSqlite3 from 'better-sqlite3';
import { DeliveryLog } from '../../../src/gate/delivery-log.js';
import { openHookDb } from '../../../src/gate/store/db.js';
import { DeliveryTable, type NewDelivery } from '../../../src/gate/store/deliveries.js';
import { silentLogger } from '../../../src/util/logger.js';
import { tempDir } from './support.js';

const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;

const entry = (at: number, event: string, outcome: NewDelivery['outcome'], url = 'http://127.0.0.1/h'): NewDelivery => ({
  at,
  webhookId: `msg_${at}`,
  event,
  dialect: 'srs',
  method: 'POST',
  url,
  status: 200,
  answer: '0',
  latencyMs: 1,
  attempt: 1,
  outcome,
  detail: '',
  contentType: 'application/json',
  body: `{"at":${at}}`,
  signer: 'srs __defaultVhost__',
  replayOf: null,
});

test('a delivery log written by an older version gains the body columns; its rows read with empty bodies', (t) => {
  const tmp = tempDir();
  t.after(() => tmp.remove());
  const path = join(tmp.dir, 'sluice.db');
  const old = new Database(path);
  old.exec(`CREATE TABLE deliveries (seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, webhook_id TEXT NOT NULL,
    event TEXT NOT NULL, dialect TEXT NOT NULL, method TEXT NOT NULL, url TEXT NOT NULL, status INTEGER, answer TEXT NOT NULL,
    latency_ms REAL NOT NULL, attempt INTEGER NOT NULL, outcome TEXT NOT NULL, detail TEXT NOT NULL)`);
  old.prepare(`INSERT INTO deliveries (at, webhook_id, event, dialect, method, url, status, answer, latency_ms, attempt, outcome, detail)
    VALUES (1, 'msg_old', 'on_publish', 'srs', 'POST', 'http://127.0.0.1/h', 200, '0', 1, 1, 'allowed', '')`).run();
  old.close();

  const db = openHookDb(path);
  t.after(() => db.close());
  const table = new DeliveryTable(db);
  table.insert([entry(2, 'on_play', 'allowed')]);
  const [newer, older] = table.list({});
  assert.equal(newer!.body, '{"at":2}');
  assert.equal(newer!.replayOf, null);
  assert.equal(older!.webhookId, 'msg_old');
  assert.equal(older!.body, '');
});

test('filters (event, outcome, url, since) and paging, over written rows and rows not written yet', (t) => {
  const tmp = tempDir();
  t.after(() => tmp.remove());
  const db = openHookDb(join(tmp.dir, 'sluice.db'));
  t.after(() => db.close());
  const log = new DeliveryLog(new DeliveryTable(db), silentLogger());
  const written = [entry(10, 'on_publish', 'allowed'), entry(20, 'on_play', 'refused'), entry(30, 'on_publish', 'allowed', 'http://127.0.0.1/other')];
  new DeliveryTable(db).insert(written);
  // Recorded through the log: written when it is next listed.
  log.record(entry(40, 'on_publish', 'refused'));
  const ats = (query: Parameters<DeliveryLog['list']>[0]) => log.list(query).map((d) => d.at);
  assert.deepEqual(ats({}), [40, 30, 20, 10]);
  assert.deepEqual(ats({ event: 'on_publish' }), [40, 30, 10]);
  assert.deepEqual(ats({ outcome: 'refused' }), [40, 20]);
  assert.deepEqual(ats({ url: 'http://127.0.0.1/other' }), [30]);
  assert.deepEqual(ats({ since: 20 }), [40, 30, 20]);
  assert.deepEqual(ats({ limit: 2, offset: 1 }), [30, 20]);
  assert.deepEqual(ats({ event: 'on_publish', limit: 1, offset: 2 }), [10]);
  const [first] = log.list({ limit: 1, offset: 3 });
  assert.deepEqual(ats({ seq: first!.seq }), [10]);
  log.close();
});
