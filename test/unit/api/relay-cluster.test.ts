import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pullSources, relaySources } from '../../../src/api/relay-cluster.js';
import { RelayRequestError } from '../../../src/relay/errors.js';
import type { PullStatus } from '../../../src/relay/puller.js';
import { RestreamService } from '../../../src/relay/restream-service.js';
import { RestreamStore } from '../../../src/relay/restream-store.js';
import { silentLogger } from '../../../src/util/logger.js';
import { fakePeers } from '../../support/fake-peers.js';

/** Pulls as a worker holds them: worker 1 runs them, the others none. */
class Pulls {
  readonly running: PullStatus[] = [];
  list(): PullStatus[] {
    return this.running;
  }
  add(input: unknown): PullStatus {
    const status = { id: `pull-${this.running.length + 1}`, ...(input as object) } as PullStatus;
    this.running.push(status);
    return status;
  }
  remove(id: string): void {
    const at = this.running.findIndex((p) => p.id === id);
    if (at < 0) throw new RelayRequestError(`no pull ${id}`, 404);
    this.running.splice(at, 1);
  }
}

test('a restream target added, disabled and removed on one worker is changed on every worker, and saved with its key', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-relays-'));
  try {
    const store = new RestreamStore(dir);
    const workers = fakePeers(2).map((peers) => {
      const restream = new RestreamService(store, [], { logger: silentLogger() });
      return { restream, sources: relaySources({ restream, pushes: () => [], pulls: new Pulls() }, peers) };
    });
    const [one, two] = workers;
    const added = await two!.sources.add({ app: 'live', server: 'rtmp://example.com/live2', key: 'secret-key' });
    assert.deepEqual(one!.restream.list().map((t) => [t.id, t.enabled, t.key]), [[added.id, true, 'se…']]);
    assert.deepEqual(store.load().map((t) => [t.id, t.key]), [[added.id, 'secret-key']], 'the key itself reached the store');

    await one!.sources.setEnabled(added.id, false);
    assert.equal(two!.restream.get(added.id).enabled, false);
    assert.deepEqual((await two!.sources.overview()).targets.map((t) => [t.id, t.enabled]), [[added.id, false]]);

    await two!.sources.remove(added.id);
    assert.deepEqual(one!.restream.list(), []);
    assert.deepEqual(store.load(), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('pulls run in worker 1 whichever worker takes the request, and a refusal keeps its status', async () => {
  const pulls = [new Pulls(), new Pulls()];
  const [one, two] = fakePeers(2).map((peers, i) => pullSources(pulls[i]!, peers));
  const added = await two!.add({ url: 'rtmp://example.com/live/a', app: 'live', stream: 'a' });
  assert.deepEqual(pulls[0]!.running.map((p) => p.id), [added.id]);
  assert.deepEqual(pulls[1]!.running, []);
  assert.deepEqual((await one!.list()).map((p) => p.id), [added.id]);
  assert.deepEqual((await two!.list()).map((p) => p.id), [added.id]);
  await two!.remove(added.id);
  await assert.rejects(two!.remove(added.id), (error: unknown) => error instanceof RelayRequestError && error.status === 404);
});
