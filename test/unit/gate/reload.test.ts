import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig, type SluiceConfigInput } from '../../../src/config/schema.js';
import { createGate } from '../../../src/gate/index.js';
import { AccessDenied } from '../../../src/util/errors.js';
import { silentLogger } from '../../../src/util/logger.js';
import { waitFor } from '../../support/wait.js';
import { fakeSession, Receiver, tempDir } from './support.js';

const onStopTo = (dataDir: string, url: string, more: SluiceConfigInput = {}) =>
  parseConfig({ data_dir: dataDir, vhosts: { __defaultVhost__: { http_hooks: { enabled: true, on_stop: url } } }, ...more });

test('reload: queued events still reach the old receiver; sessions keep the gate that admitted them, new ones get the new one', async (t) => {
  const data = tempDir();
  // The old receiver is down at first, so its events wait in the outbox across the reload.
  let down = true;
  const old = await Receiver.start((_req, res) => res.writeHead(down ? 503 : 200).end(down ? '' : '0'));
  const next = await Receiver.start();
  const gate = createGate({ config: onStopTo(data.dir, old.url('/old')), logger: silentLogger(), outbox: { baseDelayMs: 20, maxDelayMs: 100 } });
  t.after(async () => {
    await gate.close();
    await old.close();
    await next.close();
    data.remove();
  });

  const queued = fakeSession({ id: 'queued' });
  await gate.play(queued);
  gate.stopped(queued);
  const running = fakeSession({ id: 'running' });
  await gate.play(running);
  await waitFor(() => old.requests.length > 0, 'a first failed attempt');

  gate.reload(onStopTo(data.dir, next.url('/new')));
  gate.stopped(running);
  const fresh = fakeSession({ id: 'fresh' });
  await gate.play(fresh);
  gate.stopped(fresh);

  down = false;
  const clients = (receiver: Receiver) => new Set(receiver.requests.map((r) => (JSON.parse(r.body) as { client_id: string }).client_id));
  await waitFor(() => clients(old).has('queued') && clients(old).has('running'), 'the old receiver to get both sessions');
  await waitFor(() => clients(next).has('fresh'), 'the new receiver to get the new session');
  assert.deepEqual([...clients(next)], ['fresh']);
});

test('reload: a vhost turned off refuses new sessions', async (t) => {
  const data = tempDir();
  const config = (enabled: boolean) => parseConfig({ data_dir: data.dir, vhosts: { studio: { enabled } } });
  const gate = createGate({ config: config(true), logger: silentLogger() });
  t.after(async () => {
    await gate.close();
    data.remove();
  });
  await gate.publish(fakeSession({ vhost: 'studio' }));
  gate.reload(config(false));
  await assert.rejects(gate.publish(fakeSession({ vhost: 'studio' })), (error) => error instanceof AccessDenied && /studio is disabled/.test(error.reason));
  await gate.play(fakeSession());
});
