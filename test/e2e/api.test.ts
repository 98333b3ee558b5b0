import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import { playToFile, publishTestPattern, rtmpdump, type RunningProcess } from '../support/ffmpeg.js';
import { openHlsSession } from '../support/hls-validator.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { waitFor, waitForAsync } from '../support/wait.js';
import { Receiver } from '../unit/gate/support.js';

/**
 * The SRS HTTP API against real clients (ffmpeg, rtmpdump, WebSocket, HLS sessions): every
 * answer has the keys, key order and types of what SRS 7.0.18 answered; kicks end a client of
 * each protocol with its callbacks while a healthy stream keeps playing.
 */

// What SRS 7.0.18 answered while streaming.
const REFERENCE = fileURLToPath(new URL('../fixtures/srs-7.0.18-api', import.meta.url));
const EVENTS = ['on_connect', 'on_close', 'on_publish', 'on_unpublish', 'on_play', 'on_stop'];

interface Hook {
  action: string;
  client_id: string;
  stream_id: string;
  stream: string;
  param: string;
}
type Json = Record<string, any>;

let server: TestServer;
let receiver: Receiver;
let dir: string;
const processes: RunningProcess[] = [];

const api = (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${server.apiPort}${path}`, init);
const json = async (path: string, init?: RequestInit): Promise<Json> => (await (await api(path, init)).json()) as Json;
const hooks = (): Hook[] => receiver.requests.map((r) => JSON.parse(r.body) as Hook);
const actionsOf = (id: string): string[] => hooks().filter((h) => h.client_id === id).map((h) => h.action);
const clients = async (query = '?count=100'): Promise<Json[]> => (await json(`/api/v1/clients/${query}`)).clients as Json[];
const clientOf = async (type: string, param: string): Promise<Json | undefined> => {
  const id = hooks().find((h) => (h.action === 'on_publish' || h.action === 'on_play') && h.param === param)?.client_id;
  return (await clients()).find((c) => c.type === type && c.id === id);
};

/** Polls an async check until it yields a value (the API answers a little later on a busy machine). */
const until = <T>(find: () => Promise<T | undefined | false>, what: string, timeoutMs = 15_000): Promise<T> => waitForAsync(find, what, timeoutMs);

/** Names, order and JSON types of every key, arrays by their first element. */
function shape(value: unknown): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length > 0 ? [shape(value[0])] : [];
  if (typeof value === 'object') return Object.entries(value as Json).map(([key, v]) => [key, shape(v)]);
  return typeof value;
}
const reference = (name: string): Json => JSON.parse(readFileSync(join(REFERENCE, `srs_api_${name}.json`), 'utf8')) as Json;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-api-'));
  receiver = await Receiver.start((_req, res) => res.end('0'));
  const urls = Object.fromEntries(EVENTS.map((event) => [event, receiver.url(`/api/v1/${event}`)]));
  server = await startTestServer({
    vhosts: {
      __defaultVhost__: {
        http_hooks: { enabled: true, ...urls },
        hls: { enabled: true, hls_path: join(dir, 'hls'), hls_fragment: 1, hls_window: 10 },
      },
    },
  });
  // A healthy stream with its own player runs through every test.
  processes.push(publishTestPattern(server.rtmpUrl('live/healthy?id=healthy'), 120));
  await waitFor(() => hooks().some((h) => h.action === 'on_publish' && h.param === '?id=healthy'), 'the healthy publisher');
  processes.push(rtmpdump(server.rtmpUrl('live/healthy?id=watcher'), 120, join(dir, 'watcher.flv')));
});

after(async () => {
  await Promise.all(processes.map((p) => p.stop()));
  await server.close();
  await receiver.close();
  await rm(dir, { recursive: true, force: true });
});

test('every route answers with SRS 7 keys, order and types; ids are the callbacks\' ids', async () => {
  const flv = playToFile(server.httpUrl('live/healthy.flv?id=flv'), 60, join(dir, 'shape.flv'));
  processes.push(flv);
  await openHlsSession(server.httpUrl('live/healthy.m3u8?id=hls'));
  const publisher = await until(async () => clientOf('fmle-publish', '?id=healthy'), 'the publisher listed');
  await until(async () => (await clientOf('rtmp-play', '?id=watcher')) && (await clientOf('flv-play', '?id=flv')), 'the players listed');

  for (const [path, name] of [
    ['/api/v1/versions', 'versions'],
    ['/api/v1/summaries', 'summaries'],
    ['/api/v1/rusages', 'rusages'],
    ['/api/v1/vhosts/', 'vhosts'],
    ['/api/v1/streams/', 'streams'],
    ['/api/v1/clients/', 'clients'],
    ['/api/v1/', 'root'],
    ['/api/v1/foo/bar', 'root'],
  ] as const) {
    assert.deepEqual(shape(await json(path)), shape(reference(name)), path);
  }
  const streams = (await json('/api/v1/streams/')).streams as Json[];
  const healthy = streams.find((s) => s.name === 'healthy')!;
  assert.deepEqual(shape(await json(`/api/v1/streams/${healthy.id}`)), shape(reference('stream_one')));
  assert.deepEqual(shape(await json(`/api/v1/clients/${publisher.id}`)), shape(reference('client_one')));
  const vhost = ((await json('/api/v1/vhosts/')).vhosts as Json[])[0]!;
  assert.deepEqual((await json(`/api/v1/vhosts/${vhost.id}`)).vhost.name, '__defaultVhost__');
  assert.equal(typeof (await json('/api/v1/meminfos')).data.MemTotal, 'number');
  assert.equal(typeof (await json('/api/v1/features')).data.features.hls, 'boolean');
  assert.equal((await json('/api/v1/authors')).data.license, 'MIT');
  assert.equal((await json('/api/v1/requests')).data.METHOD, 'GET');
  assert.deepEqual(Object.keys((await json('/api')).urls), ['v1']);

  const types = new Set((await clients()).filter((c) => c.stream === healthy.id).map((c) => c.type));
  assert.deepEqual([...types].sort(), ['flv-play', 'fmle-publish', 'hls-play', 'rtmp-play']);
  assert.equal(healthy.clients, (await clients()).filter((c) => c.stream === healthy.id).length);
  assert.equal(healthy.publish.cid, publisher.id);
  assert.equal(healthy.id, hooks().find((h) => h.action === 'on_publish' && h.param === '?id=healthy')!.stream_id, 'stream id as in the callbacks');
  assert.equal(publisher.vhost, vhost.id);
  assert.ok(healthy.frames > 0 && healthy.recv_bytes > 0);

  // The 30 s window fills from the registry's samples.
  await until(async () => ((await json(`/api/v1/clients/${publisher.id}`)).client.kbps.recv_30s as number) > 0, 'publisher kbps', 20_000);
  await until(async () => ((await json(`/api/v1/streams/${healthy.id}`)).stream.kbps.send_30s as number) > 0, 'stream send kbps', 20_000);

  assert.deepEqual(await json('/api/v1/streams/vid-nothere'), { code: 2048 });
  assert.deepEqual(await json('/api/v1/clients/nothere'), { code: 2049 });
  assert.deepEqual(await json('/api/v1/vhosts/vid-nothere'), { code: 2014 });
  await flv.stop();
});

test('DELETE kicks a client of every protocol: it leaves with its callbacks, the healthy stream plays on', async () => {
  const victim = publishTestPattern(server.rtmpUrl('live/victim?id=victim'), 60);
  processes.push(victim);
  const publisher = await until(async () => clientOf('fmle-publish', '?id=victim'), 'the victim publisher');
  const rtmpPlayer = rtmpdump(server.rtmpUrl('live/healthy?id=kick-rtmp'), 60, join(dir, 'kick-rtmp.flv'));
  const flvPlayer = playToFile(server.httpUrl('live/healthy.flv?id=kick-flv'), 60, join(dir, 'kick-flv.flv'));
  processes.push(rtmpPlayer, flvPlayer);
  const ws = new WebSocket(`ws://127.0.0.1:${server.httpPort}/live/healthy.flv?id=kick-ws`);
  const wsClosed = new Promise<void>((resolve) => ws.on('close', () => resolve()));
  ws.on('error', () => {});
  await openHlsSession(server.httpUrl('live/healthy.m3u8?id=kick-hls'));

  const kicked: Array<[string, string, string[]]> = [
    ['fmle-publish', '?id=victim', ['on_unpublish', 'on_close']],
    ['rtmp-play', '?id=kick-rtmp', ['on_stop', 'on_close']],
    ['flv-play', '?id=kick-flv', ['on_stop']],
    ['flv-play', '?id=kick-ws', ['on_stop']],
    ['hls-play', '?id=kick-hls', ['on_stop']],
  ];
  for (const [type, param, events] of kicked) {
    const client = await until(async () => clientOf(type, param), `${param} listed`);
    assert.equal((await json(`/api/v1/clients/${client.id}`, { method: 'DELETE' })).code, 0);
    await waitFor(() => events.every((e) => actionsOf(client.id as string).includes(e)), `${param}: ${events.join(', ')}`);
    await until(async () => !(await clients()).some((c) => c.id === client.id), `${param} gone from the list`);
    assert.deepEqual(await json(`/api/v1/clients/${client.id}`, { method: 'DELETE' }), { code: 2049 });
  }
  assert.equal(publisher.type, 'fmle-publish');
  await victim.exited;
  await rtmpPlayer.exited;
  await flvPlayer.exited;
  await wsClosed;

  const healthy = ((await json('/api/v1/streams/')).streams as Json[]).find((s) => s.name === 'healthy')!;
  assert.equal(healthy.publish.active, true, 'the healthy stream is still published');
  const watcher = (await clientOf('rtmp-play', '?id=watcher'))!;
  const before = watcher.send_bytes as number;
  await until(async () => ((await clientOf('rtmp-play', '?id=watcher'))?.send_bytes as number) > before, 'the watcher still receiving');
});

test('JSONP wraps answers; method=DELETE over GET kicks, as SRS\'s console does', async () => {
  const response = await api('/api/v1/versions?callback=cb_1');
  assert.equal(response.headers.get('content-type'), 'text/javascript');
  const body = await response.text();
  assert.match(body, /^cb_1\(\{"code":0,"server":"vid-[0-9a-z]+","service":"[0-9a-z]+","pid":"\d+","data":\{/);
  assert.ok(body.endsWith('})'));
  assert.equal(await (await api('/api/v1/clients/nothere?callback=cb')).text(), 'cb({"code":2049})');

  const dump = rtmpdump(server.rtmpUrl('live/healthy?id=jsonp'), 60, join(dir, 'jsonp.flv'));
  processes.push(dump);
  const client = await until(async () => clientOf('rtmp-play', '?id=jsonp'), 'the jsonp victim');
  const kick = await (await api(`/api/v1/clients/${client.id}?callback=kick&method=DELETE`)).text();
  assert.match(kick, /^kick\(\{"code":0,/);
  await dump.exited;
  await waitFor(() => actionsOf(client.id as string).includes('on_close'), 'on_close of the kicked client');
  assert.equal((await api('/api/v1/versions?callback=bad(name')).status, 400);
});

test('paging: count is at least 10 as in SRS, start skips, ids in order', async () => {
  for (let i = 0; i < 12; i++) await openHlsSession(server.httpUrl(`live/healthy.m3u8?id=page${i}`));
  const all = await clients('?count=1000');
  assert.ok(all.length >= 14);
  assert.deepEqual(all.map((c) => c.id), all.map((c) => c.id as string).sort());
  const first = await clients('');
  assert.equal(first.length, 10, 'default count');
  assert.equal((await clients('?count=3')).length, 10, 'count below 10 counts 10');
  assert.deepEqual((await clients('?start=10&count=1000')).map((c) => c.id), all.slice(10).map((c) => c.id));
  assert.deepEqual(first.map((c) => c.id), all.slice(0, 10).map((c) => c.id));
  assert.equal(((await json('/api/v1/streams?start=5')).streams as Json[]).length, 0);
});

test('CORS as SRS: headers for requests with an Origin, preflight answered', async () => {
  const preflight = await api('/api/v1/clients/x', { method: 'OPTIONS', headers: { Origin: 'http://console.example' } });
  assert.equal(preflight.status, 200);
  assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
  assert.equal(preflight.headers.get('access-control-allow-methods'), '*');
  assert.equal(preflight.headers.get('access-control-allow-headers'), '*');
  const plain = await api('/api/v1/versions', { headers: { Origin: 'http://console.example' } });
  assert.equal(plain.headers.get('access-control-expose-headers'), '*');
  assert.equal(plain.headers.get('content-type'), 'application/json');
});

test('http_api auth: Basic credentials, 401 with WWW-Authenticate as SRS 7', async () => {
  const secured = await startTestServer({ http_api: { listen: '127.0.0.1:0', auth: { enabled: true, username: 'admin', password: 's3cret' } } });
  try {
    const url = `http://127.0.0.1:${secured.apiPort}/api/v1/versions`;
    const basic = (user: string, pass: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` });
    const none = await fetch(url);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Basic');
    const wrong = await fetch(url, { headers: basic('admin', 'nope') });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get('www-authenticate'), 'Basic');
    const right = await fetch(url, { headers: basic('admin', 's3cret') });
    assert.equal(right.status, 200);
    assert.equal(((await right.json()) as Json).code, 0);
    const preflight = await fetch(url, { method: 'OPTIONS', headers: { Origin: 'http://console.example' } });
    assert.equal(preflight.status, 200, 'a preflight needs no credentials');
  } finally {
    await secured.close();
  }
});
