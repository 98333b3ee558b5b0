import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publishTestPattern } from '../support/ffmpeg.js';
import { startTestServer, type TestServer } from '../support/server.js';

const relay = { retry_initial: 0.2, retry_max: 1, connect_timeout: 2 };

interface PushView {
  state: string;
  url: string;
  bytes: number;
}
interface TargetView {
  id: string;
  key: string;
  enabled: boolean;
  pushes: PushView[];
}

async function api(server: TestServer, method: string, path = '', body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${server.apiPort}/api/sluice/v1/relays${path}`, {
    method,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function targets(server: TestServer): Promise<TargetView[]> {
  const { json } = await api(server, 'GET');
  return (json.data as { targets: TargetView[] }).targets;
}

async function poll<T>(find: () => Promise<T | undefined>): Promise<T> {
  for (let tries = 0; tries < 100; tries++) {
    const found = await find();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('timed out polling the API');
}

const publishStart = (stream: string) => (line: Record<string, unknown>) => line.msg === 'publish start' && line.stream === stream;
const publishStop = (stream: string) => (line: Record<string, unknown>) => line.msg === 'publish stop' && line.stream === stream;

test('restream: config and API targets get the stream; disable, enable and remove act on live pushes and survive a restart', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'sluice-restream-'));
  const platform = await startTestServer();
  const server = `rtmp://127.0.0.1:${platform.rtmpPort}/copy`;
  const options = { relay: { ...relay, restream: [{ id: 'yt', name: 'YouTube', app: 'live', server, key: 'secret-key-1' }] }, data_dir: dataDir };
  let source = await startTestServer(options);
  const publisher = publishTestPattern(source.rtmpUrl('live/cam'), 60);
  try {
    await platform.waitForLog(publishStart('copy/secret-key-1'));
    const [yt] = await poll(async () => {
      const list = await targets(source);
      return list[0]?.pushes[0]?.state === 'live' ? list : undefined;
    });
    assert.equal(yt!.key, 'se…', 'the stream key is not shown');
    assert.ok(!yt!.pushes[0]!.url.includes('secret-key-1'));

    const added = await api(source, 'POST', '', { app: 'live', stream: 'cam', server: `${server}/`, key: 'second' });
    assert.equal(added.status, 200);
    const second = added.json.data as TargetView;
    await platform.waitForLog(publishStart('copy/second'));
    const metrics = async () => (await fetch(`http://127.0.0.1:${source.apiPort}/metrics`)).text();
    let text = await metrics();
    assert.match(text, /sluice_restream_target_live\{target="yt"\} 1/);
    assert.match(text, /sluice_relay_events_total\{kind="restream",event="live"\} 2/);
    assert.match(text, /sluice_relays\{kind="restream",state="live"\} 2/);

    assert.equal((await api(source, 'PATCH', '/yt', { enabled: false })).status, 200);
    await platform.waitForLog(publishStop('copy/secret-key-1'));
    text = await metrics();
    assert.match(text, /sluice_restream_target_live\{target="yt"\} 0/);
    assert.match(text, /sluice_relay_events_total\{kind="restream",event="stop"\} 1/);
    assert.match(text, /sluice_relay_bytes_total\{kind="restream"\} [1-9]/);
    assert.deepEqual((await targets(source)).find((t) => t.id === 'yt')!.pushes, []);
    assert.equal((await api(source, 'DELETE', `/${second.id}`)).status, 200);
    await platform.waitForLog(publishStop('copy/second'));

    await source.close();
    const stored = JSON.parse(await readFile(join(dataDir, 'relays.json'), 'utf8')) as { targets: TargetView[] };
    assert.deepEqual(stored.targets.map((t) => [t.id, t.enabled]), [['yt', false]]);
    source = await startTestServer(options);
    assert.deepEqual((await targets(source)).map((t) => [t.id, t.enabled]), [['yt', false]], 'the disabled config target stays disabled');
    assert.equal((await api(source, 'PATCH', '/yt', { enabled: true })).status, 200);
    assert.equal((await targets(source))[0]!.enabled, true);
  } finally {
    await publisher.stop();
    await Promise.all([source.close(), platform.close()]);
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('restream API: bad targets, unknown ids and bodies that are not JSON are refused with their status', async () => {
  const source = await startTestServer({ relay });
  try {
    const http = await api(source, 'POST', '', { app: 'live', server: 'http://example.com/live', key: 'k' });
    assert.equal(http.status, 400);
    assert.match(String(http.json.message), /rtmp/);
    assert.equal((await api(source, 'POST', '', { app: 'live', server: 'rtmp://example.com/live' })).status, 400);
    assert.equal((await api(source, 'POST', '', '{oops')).status, 400);
    assert.equal((await api(source, 'PATCH', '/nope', { enabled: false })).status, 404);
    assert.equal((await api(source, 'PATCH', '/nope', { enabled: 'yes' })).status, 400);
    assert.equal((await api(source, 'DELETE', '/nope')).status, 404);
    assert.deepEqual(await targets(source), []);
  } finally {
    await source.close();
  }
});
