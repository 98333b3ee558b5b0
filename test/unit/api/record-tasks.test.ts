import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { recordTasks } from '../../../src/api/sluice/record-tasks.js';
import type { ClientSession } from '../../../src/gate/types.js';
import { StreamHub } from '../../../src/hub/stream-hub.js';
import { RecordService } from '../../../src/recorder/record-service.js';
import { silentLogger } from '../../../src/util/logger.js';
import { fakePeers } from '../../support/fake-peers.js';

const session = { id: 'c1', vhost: '__defaultVhost__', app: 'live', stream: 'cam', param: '' } as ClientSession;
const events = { recordingStarted: () => {}, recordingFinished: () => {} };

async function twoWorkers(body: (workers: Array<{ hub: StreamHub; tasks: ReturnType<typeof recordTasks>; service: RecordService }>) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-tasks-'));
  try {
    const config = { enabled: false, apps: [], record_path: dir };
    const workers = fakePeers(2).map((peers) => {
      const hub = new StreamHub(() => ({ gopCache: true, gopCacheMaxFrames: 100, queueLengthSeconds: 10, mergedWriteMs: 0 }), () => {});
      const service = new RecordService(() => config, hub, { events, logger: silentLogger(), maxQueuedBytes: 1 << 20 }, [dir]);
      hub.published.add((s) => service.published(s));
      hub.unpublished.add((s) => service.unpublished(s));
      return { hub, service, tasks: recordTasks(service, peers) };
    });
    await body(workers);
    for (const { service } of workers) await service.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('a record task started on a worker that holds only a copy of the stream records on the publisher’s worker', async () => {
  await twoWorkers(async ([one, two]) => {
    one!.hub.acquire('__defaultVhost__', 'live', 'cam').attachPublisher({ id: 'p', protocol: 'rtmp', session, close: () => {} });
    two!.hub.acquire('__defaultVhost__', 'live', 'cam').attachPublisher({ id: 'm', protocol: 'rtmp', session, mirror: true, close: () => {} });

    const task = await two!.tasks.start('__defaultVhost__', 'live', 'cam');
    assert.equal(task.state, 'recording');
    assert.deepEqual(one!.service.list().map((t) => [t.id, t.state]), [[task.id, 'recording']]);
    // The copy that waited is forgotten: one task, whichever worker lists.
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(two!.service.list(), []);
    assert.deepEqual((await two!.tasks.list()).map((t) => [t.id, t.state]), [[task.id, 'recording']]);

    await two!.tasks.stop(task.id);
    assert.deepEqual((await one!.tasks.list()).map((t) => [t.id, t.state]), [[task.id, 'done']]);
  });
});

test('a record task for a stream nobody publishes yet records on whichever worker gets the publisher', async () => {
  await twoWorkers(async ([one, two]) => {
    const task = await one!.tasks.start('__defaultVhost__', 'live', 'cam');
    assert.equal(task.state, 'waiting');
    assert.deepEqual((await two!.tasks.list()).map((t) => [t.id, t.state]), [[task.id, 'waiting']]);

    two!.hub.acquire('__defaultVhost__', 'live', 'cam').attachPublisher({ id: 'p', protocol: 'rtmp', session, close: () => {} });
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(one!.service.list(), [], 'the waiting copy is forgotten');
    assert.deepEqual((await one!.tasks.list()).map((t) => [t.id, t.state]), [[task.id, 'recording']]);
  });
});
