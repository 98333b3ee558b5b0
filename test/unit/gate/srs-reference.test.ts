import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { ManagedGate } from '../../../src/gate/index.js';
import { fakeSession, makeGate, Receiver, tempDir } from './support.js';

/**
 * The same scenario as the SRS 7.0.18 capture (run1-basic): publish with `?token=abc&salt=1`,
 * RTMP play with `?k=v`, then DVR and HLS; every body must match SRS's key for key, in order,
 * with the same types, and the same values wherever the value is not a random id.
 */

interface Captured {
  phase: string;
  method: string;
  url: string;
  body: string;
}
const captured = readFileSync(new URL('./fixtures/srs-7.0.18-run1-basic.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as Captured)
  .filter((c) => c.phase === 'run1-basic');

/** The first captured body of `action` for which `pick` holds. */
function reference(action: string, pick: (body: Record<string, unknown>) => boolean = () => true): Record<string, unknown> {
  const found = captured
    .filter((c) => c.method === 'POST')
    .map((c) => JSON.parse(c.body) as Record<string, unknown>)
    .find((b) => b.action === action && pick(b));
  assert.ok(found, `no captured ${action}`);
  return found;
}

const RANDOM = new Set(['server_id', 'service_id', 'client_id', 'stream_id']);

function assertSameShape(raw: string, expected: Record<string, unknown>, alsoRandom: string[] = []): void {
  const actual = JSON.parse(raw) as Record<string, unknown>;
  assert.deepEqual(Object.keys(actual), Object.keys(expected), 'keys and their order');
  for (const [key, value] of Object.entries(expected)) {
    assert.equal(typeof actual[key], typeof value, `type of ${key}`);
    if (!RANDOM.has(key) && !alsoRandom.includes(key)) assert.deepEqual(actual[key], value, `value of ${key}`);
  }
  assert.match(String(actual.server_id), /^vid-[0-9a-z]{7}$/);
  assert.match(String(actual.service_id), /^[0-9a-z]{8}$/);
  if ('stream_id' in actual) assert.match(String(actual.stream_id), /^vid-[0-9a-z]{7}$/);
  assert.ok(!raw.includes(' ') || raw.includes('(compatible'), 'compact JSON');
}

let receiver: Receiver;
let gate: ManagedGate;
const dir = tempDir();
const EVENTS = ['on_connect', 'on_close', 'on_publish', 'on_unpublish', 'on_play', 'on_stop', 'on_dvr', 'on_hls'];

before(async () => {
  receiver = await Receiver.start();
  const hooks: Record<string, unknown> = { enabled: true };
  for (const event of EVENTS) hooks[event] = receiver.url(`/api/v1/${event}`);
  hooks.on_hls_notify = receiver.url('/api/v1/on_hls_notify/[server_id]/[app]/[stream]/[ts_url][param]');
  gate = makeGate({ http_hooks: hooks }, dir.dir);
});

after(async () => {
  await gate.close();
  await receiver.close();
  dir.remove();
});

test('an RTMP publish, play, DVR and HLS send the bodies SRS sends, in SRS order', async () => {
  const publisher = fakeSession({ id: 'pub00001', param: '?token=abc&salt=1' });
  await gate.connect(publisher);
  await gate.publish(publisher);
  gate.hlsSegment({
    session: publisher,
    duration: 2.02,
    cwd: '/usr/local/srs',
    file: '/usr/local/srs/objs/nginx/html/live/livestream-0.ts',
    url: 'live/livestream-0.ts',
    m3u8: '/usr/local/srs/objs/nginx/html/live/livestream.m3u8',
    m3u8Url: 'live/livestream.m3u8',
    seqNo: 0,
    notifyAnswerBytes: 64,
  });

  const player = fakeSession({
    id: 'play0001',
    param: '?k=v',
    flashVer: 'LNX 9,0,124,2',
    bytesSent: () => 893221,
    bytesReceived: () => 3499,
    playOptions: { start: -2, duration: -1, reset: false },
  });
  await gate.connect(player);
  await gate.play(player);
  gate.stopped(player);
  gate.closed(player);

  gate.recordingFinished({
    session: publisher,
    uuid: 'rec1',
    cwd: '/usr/local/srs',
    file: '/usr/local/srs/objs/dvr/live/livestream.1795335939808.flv',
  });
  gate.unpublished(publisher);
  gate.closed(publisher);

  const all = await receiver.waitFor(11);
  const byPath = (prefix: string) => all.filter((r) => r.url.startsWith(prefix));
  const [pubConnect, playConnect] = byPath('/api/v1/on_connect');
  assertSameShape(pubConnect!.body, reference('on_connect', (b) => b.param === '?token=abc&salt=1'));
  assertSameShape(byPath('/api/v1/on_publish')[0]!.body, reference('on_publish'));
  assertSameShape(playConnect!.body, reference('on_connect', (b) => b.param === '?k=v'));
  assertSameShape(byPath('/api/v1/on_play')[0]!.body, reference('on_play', (b) => b.param === '?k=v'));
  assertSameShape(byPath('/api/v1/on_stop')[0]!.body, reference('on_stop', (b) => b.param === '?k=v'));
  const [playClose, pubClose] = byPath('/api/v1/on_close');
  assertSameShape(playClose!.body, reference('on_close', (b) => b.send_bytes === 893221));
  assertSameShape(pubClose!.body, reference('on_close', (b) => b.send_bytes === 4501));
  assertSameShape(byPath('/api/v1/on_dvr')[0]!.body, reference('on_dvr'));
  assertSameShape(byPath('/api/v1/on_unpublish')[0]!.body, reference('on_unpublish'));

  // duration is written with two decimals, as SRS does: `"duration":2.02` / `2.00`.
  const hls = byPath('/api/v1/on_hls')[0]!;
  assertSameShape(hls.body, reference('on_hls', (b) => b.seq_no === 0));
  assert.match(hls.body, /"duration":2\.02,/);

  const notify = all.find((r) => r.method === 'GET')!;
  const serverId = (JSON.parse(pubConnect!.body) as { server_id: string }).server_id;
  assert.equal(notify.url, `/api/v1/on_hls_notify/${serverId}/live/livestream/livestream-0.ts?token=abc&salt=1`);
  assert.equal(notify.headers['content-type'], 'application/json');

  // Every request is a compact JSON POST, as SRS sends them.
  for (const request of all.filter((r) => r.method === 'POST')) {
    assert.equal(request.headers['content-type'], 'application/json');
    assert.match(String(request.headers['user-agent']), /^Sluice\//);
  }

  // One stream id for the stream in every event; a single on_connect per connection.
  const ids = new Set(all.filter((r) => r.body.includes('stream_id')).map((r) => (JSON.parse(r.body) as { stream_id: string }).stream_id));
  assert.equal(ids.size, 1);
  assert.equal(byPath('/api/v1/on_connect').length, 2);
});

test('events of one client reach the receiver in SRS order: on_dvr, on_unpublish, on_close', async () => {
  const order = receiver.requests
    .filter((r) => r.method === 'POST' && r.body.includes('"client_id":"pub00001"'))
    .map((r) => (JSON.parse(r.body) as { action: string }).action);
  assert.deepEqual(order, ['on_connect', 'on_publish', 'on_hls', 'on_dvr', 'on_unpublish', 'on_close']);
});

test('HTTP-FLV players get on_play and on_stop only, and a non-default vhost prefixes stream_url', async () => {
  const before = receiver.requests.length;
  const viewer = fakeSession({ id: 'flv00001', protocol: 'http-flv', vhost: 'example.com', tcUrl: 'rtmp://example.com/live', param: '?h=1' });
  await gate.connect(viewer);
  await gate.play(viewer);
  gate.stopped(viewer);
  gate.closed(viewer);
  const got = await receiver.waitFor(before + 2);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const mine = got.slice(before).map((r) => JSON.parse(r.body) as Record<string, unknown>);
  assert.deepEqual(mine.map((b) => b.action), ['on_play', 'on_stop']);
  assert.equal(mine[0]!.stream_url, 'example.com/live/livestream');
  assert.equal(receiver.requests.length, before + 2);
});

test('server_id is kept in the data directory and reused after a restart; service_id changes', async () => {
  const first = JSON.parse(receiver.requests[0]!.body) as { server_id: string; service_id: string };
  const again = makeGate({ http_hooks: { enabled: true, on_publish: receiver.url('/again') } }, dir.dir);
  try {
    await again.publish(fakeSession({ protocol: 'http-flv' }));
    const body = JSON.parse(receiver.requests.at(-1)!.body) as { server_id: string; service_id: string };
    assert.equal(body.server_id, first.server_id);
    assert.notEqual(body.service_id, first.service_id);
  } finally {
    await again.close();
  }
});
