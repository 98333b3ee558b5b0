import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { playToFile, publishTestPattern, rtmpdump, type RunningProcess } from '../support/ffmpeg.js';
import { openHlsSession } from '../support/hls-validator.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { Receiver } from '../unit/gate/support.js';
import { waitForAsync } from '../support/wait.js';

/**
 * Sluice's own API against real clients: ffmpeg publishers, RTMP, HTTP-FLV and HLS players, a
 * real callback receiver. Every answer is kept and, at the end, validated against the OpenAPI
 * document the server serves; every operation of the document must have been called.
 */

type Json = Record<string, any>;
const TOKENS = ['token-one', 'token-two'];
const HOOK_SECRET = 'hook-secret-value';
const EVENTS = ['on_publish', 'on_unpublish', 'on_play', 'on_stop'];

let server: TestServer;
let receiver: Receiver;
let dir: string;
const processes: RunningProcess[] = [];
/** Every answer: operation (method + path template), status, body. */
const answers: Array<{ operation: string; status: number; body: unknown }> = [];

async function call(method: string, template: string, path = template, body?: unknown, token = TOKENS[0]): Promise<{ status: number; body: Json; headers: Headers }> {
  const response = await fetch(`http://127.0.0.1:${server.apiPort}/api/sluice/v1${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const json = (await response.json()) as Json;
  answers.push({ operation: `${method.toLowerCase()} ${template}`, status: response.status, body: json });
  return { status: response.status, body: json, headers: response.headers };
}
const get = async (template: string, path = template): Promise<Json> => {
  const answer = await call('GET', template, path);
  assert.equal(answer.status, 200, `${path}: ${JSON.stringify(answer.body)}`);
  return answer.body;
};

/** Polls an async check until it yields a value (the API answers a little later on a busy machine). */
const until = <T>(find: () => Promise<T | undefined | false>, what: string, timeoutMs = 15_000): Promise<T> => waitForAsync(find, what, timeoutMs);
const healthyStream = async (): Promise<Json | undefined> =>
  ((await get('/streams')).streams as Json[]).find((s) => s.url === '/live/healthy');

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-own-api-'));
  receiver = await Receiver.start((_req, res) => res.end('0'));
  const urls = Object.fromEntries(EVENTS.map((event) => [event, receiver.url(`/hooks/${event}`)]));
  server = await startTestServer({
    http_api: { listen: '127.0.0.1:0', api_token: TOKENS },
    vhosts: {
      __defaultVhost__: {
        http_hooks: { enabled: true, secret: HOOK_SECRET, ...urls },
        hls: { enabled: true, hls_path: join(dir, 'hls'), hls_fragment: 1, hls_window: 10 },
        record: { record_path: join(dir, 'record') },
      },
    },
  });
  // A healthy stream with players of three protocols runs through every test.
  processes.push(publishTestPattern(server.rtmpUrl('live/healthy'), 120));
  await server.waitForLog((line) => line.msg === 'publish start' && line.stream === 'live/healthy');
  processes.push(rtmpdump(server.rtmpUrl('live/healthy?id=watcher'), 120, join(dir, 'watcher.flv')));
  processes.push(playToFile(server.httpUrl('live/healthy.flv'), 120, join(dir, 'flv.flv')));
  await openHlsSession(server.httpUrl('live/healthy.m3u8'));
});

after(async () => {
  await Promise.all(processes.map((p) => p.stop()));
  await server.close();
  await receiver.close();
  await rm(dir, { recursive: true, force: true });
});

test('tokens: none or a wrong one gets 401 and is counted; either configured token is let in', async () => {
  const before = server.apiAuth!.refused;
  const missing = await call('GET', '/streams', '/streams', undefined, '');
  assert.equal(missing.status, 401);
  assert.equal(missing.headers.get('www-authenticate'), 'Bearer');
  assert.equal(missing.body.error.code, 'unauthorized');
  assert.equal((await call('GET', '/streams', '/streams', undefined, 'token-on')).status, 401);
  assert.equal((await call('GET', '/streams', '/streams', undefined, 'token-one-and-more')).status, 401);
  assert.equal(server.apiAuth!.refused, before + 3);
  const metrics = await (await fetch(`http://127.0.0.1:${server.apiPort}/metrics`)).text();
  assert.match(metrics, new RegExp(`^sluice_api_auth_refused_total ${before + 3}$`, 'm'), 'counted in /metrics');
  for (const token of TOKENS) assert.equal((await call('GET', '/streams', '/streams', undefined, token)).status, 200);
  // The SRS API is not behind the tokens.
  assert.equal((await fetch(`http://127.0.0.1:${server.apiPort}/api/v1/versions`)).status, 200);
});

test('CORS: a console on another origin gets its preflight answered, then needs its token', async () => {
  const url = `http://127.0.0.1:${server.apiPort}/api/sluice/v1/sessions`;
  const preflight = await fetch(url, { method: 'OPTIONS', headers: { origin: 'http://console.example', 'access-control-request-headers': 'authorization' } });
  assert.equal(preflight.status, 204);
  assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Authorization/);
  const withToken = await fetch(url, { headers: { origin: 'http://console.example', authorization: `Bearer ${TOKENS[1]}` } });
  assert.equal(withToken.status, 200);
  assert.equal(withToken.headers.get('access-control-allow-origin'), '*');
  assert.equal((await fetch(url, { headers: { origin: 'http://console.example' } })).status, 401);
});

test('with no token configured, loopback clients are let in', async () => {
  const open = await startTestServer();
  try {
    const response = await fetch(`http://127.0.0.1:${open.apiPort}/api/sluice/v1/sessions`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { sessions: [] });
    // A page of another origin in a browser on this machine is refused.
    const page = await fetch(`http://127.0.0.1:${open.apiPort}/api/sluice/v1/sessions`, { headers: { origin: 'http://evil.example' } });
    assert.equal(page.status, 403);
  } finally {
    await open.close();
  }
});

test('streams: tracks, publisher, readers of every protocol and internal ones, bitrate, frames, uptime', async () => {
  const stream = await until(async () => {
    const found = await healthyStream();
    const protocols = new Set((found?.readers as Json[] | undefined)?.map((r) => r.protocol));
    return found && protocols.has('rtmp') && protocols.has('http-flv') && found.frames.video > 25 && found;
  }, 'the healthy stream with its players');
  assert.equal(stream.publishing, true);
  assert.equal(stream.tracks.video.codec, 'H264');
  assert.equal(stream.tracks.video.width, 320);
  assert.equal(stream.tracks.audio.codec, 'AAC');
  assert.equal(stream.tracks.audio.sampleRate, 44100);
  assert.equal(stream.publisher.protocol, 'rtmp');
  assert.equal(stream.publisher.kind, 'publish');
  assert.ok(stream.bitrate > 0 && stream.uptimeSeconds > 0);
  assert.ok((stream.readers as Json[]).some((r) => r.kind === 'hls-muxer' && r.internal));
  assert.deepEqual(await get('/streams/{id}', `/streams/${stream.id}`).then((s) => s.id), stream.id);
  // The same id as the SRS API's.
  const srs = (await (await fetch(`http://127.0.0.1:${server.apiPort}/api/v1/streams/`)).json()) as Json;
  assert.ok((srs.streams as Json[]).some((s) => s.id === stream.id && s.name === 'healthy'));
  const missing = await call('GET', '/streams/{id}', '/streams/vid-nothere');
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error.code, 'not_found');
});

test('sessions: every protocol, filters, one, and kick while the healthy stream plays on', async () => {
  const all = await until(async () => {
    const list = (await get('/sessions')).sessions as Json[];
    return list.some((s) => s.protocol === 'hls') && list;
  }, 'the HLS session');
  assert.deepEqual(new Set(all.map((s) => s.protocol)), new Set(['rtmp', 'http-flv', 'hls']));
  const rtmpPlayers = (await get('/sessions', '/sessions?protocol=rtmp&kind=play')).sessions as Json[];
  assert.ok(rtmpPlayers.length === 1 && rtmpPlayers[0]!.type === 'rtmp-play');
  const stream = (await healthyStream())!;
  const ofStream = (await get('/sessions', `/sessions?stream=${stream.id}`)).sessions as Json[];
  assert.equal(ofStream.length, all.filter((s) => s.url === '/live/healthy').length);
  assert.equal((await get('/sessions/{id}', `/sessions/${all[0]!.id}`)).id, all[0]!.id);

  const victim = publishTestPattern(server.rtmpUrl('live/victim'), 60);
  processes.push(victim);
  const publisher = await until(async () => ((await get('/sessions', '/sessions?kind=publish')).sessions as Json[]).find((s) => s.stream === 'victim'), 'the victim');
  const kicked = await call('DELETE', '/sessions/{id}', `/sessions/${publisher.id}`);
  assert.equal(kicked.status, 200);
  assert.deepEqual(kicked.body, { kicked: publisher.id });
  await victim.exited;
  await until(async () => (await call('GET', '/sessions/{id}', `/sessions/${publisher.id}`)).status === 404, 'the kicked session gone');
  assert.equal((await call('DELETE', '/sessions/{id}', `/sessions/${publisher.id}`)).status, 404);
  const before = (await healthyStream())!.frames.video as number;
  await until(async () => ((await healthyStream())?.frames.video ?? 0) > before + 10, 'the healthy stream going on');
});

test('record tasks: start, stop, the file listed and downloadable', async () => {
  const started = await call('POST', '/records/tasks', '/records/tasks', { app: 'live', stream: 'healthy' });
  assert.equal(started.status, 201);
  assert.equal(started.body.state, 'recording');
  await until(async () => ((await healthyStream())?.readers as Json[]).some((r) => r.kind === 'recorder'), 'the recorder reader');
  assert.ok(((await get('/records/tasks')).tasks as Json[]).some((t) => t.id === started.body.id));
  await until(async () => ((await get('/records/files')).recordings as Json[]).some((f) => f.size > 50_000), 'media in the file');
  const stopped = await call('DELETE', '/records/tasks/{id}', `/records/tasks/${started.body.id}`);
  assert.equal(stopped.body.state, 'done');
  assert.equal((await call('DELETE', '/records/tasks/{id}', '/records/tasks/nothere')).status, 404);
  const file = ((await get('/records/files')).recordings as Json[]).find((f) => f.url === started.body.url)!;
  assert.equal(file.kind, 'record');
  const download = await fetch(server.httpUrl(file.url.slice(1)));
  assert.equal(download.status, 200);
  assert.equal((await download.arrayBuffer()).byteLength, file.size);
});

test('callbacks: configured URLs with the secret redacted, the log with filters and paging', async () => {
  const { callbacks } = await get('/callbacks');
  assert.equal(callbacks.length, 1);
  assert.equal(callbacks[0].dialect, 'srs');
  assert.deepEqual(callbacks[0].events.on_publish, [receiver.url('/hooks/on_publish')]);
  assert.equal(callbacks[0].secret, '<redacted>');

  const publishes = (await get('/callbacks/deliveries', '/callbacks/deliveries?event=on_publish&outcome=allowed')).deliveries as Json[];
  assert.ok(publishes.length >= 2 && publishes.every((d) => d.event === 'on_publish' && d.outcome === 'allowed'));
  const second = (await get('/callbacks/deliveries', '/callbacks/deliveries?event=on_publish&limit=1&offset=1')).deliveries as Json[];
  assert.deepEqual(second.map((d) => d.seq), [publishes[1]!.seq]);
  const byUrl = (await get('/callbacks/deliveries', `/callbacks/deliveries?url=${encodeURIComponent(receiver.url('/hooks/on_play'))}`)).deliveries as Json[];
  assert.ok(byUrl.length > 0 && byUrl.every((d) => d.event === 'on_play'));
  const future = new Date(Date.now() + 3_600_000).toISOString();
  assert.deepEqual((await get('/callbacks/deliveries', `/callbacks/deliveries?since=${future}`)).deliveries, []);
  assert.equal((await get('/callbacks/deliveries/{seq}', `/callbacks/deliveries/${publishes[0]!.seq}`)).webhookId, publishes[0]!.webhookId);
  assert.equal((await call('GET', '/callbacks/deliveries/{seq}', '/callbacks/deliveries/999999')).status, 404);
});

test('replay: the receiver gets the same body again, logged as a new delivery linked to the original', async () => {
  const [original] = (await get('/callbacks/deliveries', '/callbacks/deliveries?event=on_publish&limit=1')).deliveries as Json[];
  const before = receiver.requests.length;
  const replayed = await call('POST', '/callbacks/deliveries/{seq}/replay', `/callbacks/deliveries/${original!.seq}/replay`);
  assert.equal(replayed.status, 200);
  assert.equal(replayed.body.replayOf, original!.seq);
  assert.equal(replayed.body.outcome, 'delivered');
  assert.notEqual(replayed.body.webhookId, original!.webhookId);
  const [received] = await receiver.waitFor(before + 1);
  const again = receiver.requests.slice(before).find((r) => r.url === '/hooks/on_publish')!;
  assert.ok(received);
  assert.equal(again.body, original!.body);
  assert.ok(again.headers['webhook-signature'], 'signed again with the block secret');
  const listed = (await get('/callbacks/deliveries', '/callbacks/deliveries?limit=1')).deliveries as Json[];
  assert.equal(listed[0]!.replayOf, original!.seq);
  assert.equal((await call('POST', '/callbacks/deliveries/{seq}/replay', '/callbacks/deliveries/999999/replay')).status, 404);
});

test('test event: a sample on_publish reaches the URL, with the verdict', async () => {
  const before = receiver.requests.length;
  const result = await call('POST', '/callbacks/test', '/callbacks/test', { url: receiver.url('/probe'), event: 'on_publish' });
  assert.equal(result.status, 200);
  assert.equal(result.body.ok, true);
  assert.equal(result.body.verdict, 'would allow');
  assert.equal(result.body.delivery.status, 200);
  const probe = receiver.requests.slice(before).find((r) => r.url === '/probe');
  assert.equal(JSON.parse(probe!.body).action, 'on_publish');
  const refused = await call('POST', '/callbacks/test', '/callbacks/test', { url: receiver.url('/probe'), event: 'on_nothing' });
  assert.equal(refused.status, 400);
  assert.equal(refused.body.error.field, 'body.event');
});

test('config: the effective config with every credential redacted', async () => {
  const { config } = await get('/config');
  const text = JSON.stringify(config);
  for (const secret of [...TOKENS, HOOK_SECRET]) assert.ok(!text.includes(secret), 'no credential in the answer');
  assert.deepEqual(config.http_api.api_token, ['<redacted>', '<redacted>']);
  assert.equal(config.vhosts.__defaultVhost__.http_hooks.secret, '<redacted>');
  assert.equal(config.vhosts.__defaultVhost__.hls.hls_fragment, 1);
  // This server was started without a file: a reload is refused, and the running config kept.
  const reload = await call('POST', '/config/reload', '/config/reload');
  assert.equal(reload.status, 200);
  assert.equal(reload.body.applied, false);
  assert.match(reload.body.error, /no configuration file/);
});

test('figures: live totals and the recent history', async () => {
  const live = await until(async () => {
    const figures = await get('/figures');
    return figures.kbps.in > 0 && figures;
  }, 'media coming in');
  assert.ok(live.sessions.byProtocol.rtmp >= 2 && live.sessions.byProtocol['http-flv'] >= 1);
  assert.ok(live.sessions.publishers >= 1 && live.streams >= 1);
  assert.ok(live.memory.rssBytes > 0);
  assert.ok(live.memory.heapUsedBytes <= live.memory.heapTotalBytes && live.memory.externalBytes > 0);
  const history = await get('/figures/history');
  assert.equal(history.intervalMs, 5000);
  assert.ok(Array.isArray(history.samples));
});

test('server: version, start time and the ports players are served on', async () => {
  const info = await get('/server');
  assert.match(info.version, /^\d+\.\d+\.\d+/);
  assert.ok(info.startedAt <= Date.now());
  assert.deepEqual(info.listeners, { rtmp: server.rtmpPort, http: server.httpPort, https: null, srt: null, rtsp: null });
});

test('bad requests: 400 naming the field, 413, JSON 404 and 405', async () => {
  const wrongType = await call('POST', '/records/tasks', '/records/tasks', { app: 5, stream: 'x' });
  assert.equal(wrongType.status, 400);
  assert.equal(wrongType.body.error.field, 'body.app');
  assert.equal((await call('POST', '/records/tasks', '/records/tasks', { app: 'live' })).body.error.field, 'body.stream');
  assert.equal((await call('POST', '/records/tasks', '/records/tasks', { app: 'live', stream: 's', extra: 1 })).body.error.field, 'body.extra');
  const notJson = await call('POST', '/records/tasks', '/records/tasks', '{"app":');
  assert.equal(notJson.status, 400);
  assert.equal(notJson.body.error.field, 'body');
  assert.equal((await call('GET', '/sessions', '/sessions?kind=watch')).body.error.field, 'query.kind');
  assert.equal((await call('GET', '/callbacks/deliveries', '/callbacks/deliveries?limit=0')).body.error.field, 'query.limit');
  assert.equal((await oversize()).status, 413);
  const form = await fetch(`http://127.0.0.1:${server.apiPort}/api/sluice/v1/records/tasks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKENS[0]}`, 'content-type': 'text/plain' },
    body: '{"app":"live","stream":"s"}',
  });
  assert.equal(form.status, 415, 'a body a browser could send cross-origin without a preflight');
  const unknown = await call('GET', '/nothing', '/nothing/here');
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error.code, 'not_found');
  const wrongMethod = await call('PUT', '/streams', '/streams', {});
  assert.equal(wrongMethod.status, 405);
  assert.equal(wrongMethod.headers.get('allow'), 'GET');
  // The server goes on serving.
  assert.equal((await healthyStream())?.publishing, true);
});

test('every answer matches the OpenAPI 3.1 document, and every operation was called', async () => {
  const response = await fetch(`http://127.0.0.1:${server.apiPort}/api/sluice/v1/openapi.json`);
  assert.equal(response.status, 200, 'the document needs no token');
  const document = (await response.json()) as Json;
  assert.equal(document.openapi, '3.1.0');
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  ajv.addSchema(document, 'api');
  const operations = new Set<string>();
  for (const [path, item] of Object.entries(document.paths as Json)) {
    for (const method of Object.keys(item as Json)) operations.add(`${method} ${path.slice('/api/sluice/v1'.length)}`);
  }
  const called = new Set<string>();
  for (const answer of answers) {
    if (!operations.has(answer.operation)) continue;
    called.add(answer.operation);
    const [method, path] = answer.operation.split(' ') as [string, string];
    const described = document.paths[`/api/sluice/v1${path}`][method].responses[String(answer.status)];
    assert.ok(described, `${answer.operation} documents status ${answer.status}`);
    const schema = described.content['application/json'].schema as { $ref: string };
    const valid = ajv.validate({ $ref: `api${schema.$ref}` }, answer.body);
    assert.ok(valid, `${answer.operation} ${answer.status}: ${ajv.errorsText()}`);
  }
  assert.deepEqual([...operations].filter((op) => !called.has(op)), [], 'every operation was called');
});

/** A 70 KiB body, sent with its length declared. */
function oversize(): Promise<{ status: number }> {
  const body = JSON.stringify({ app: 'x'.repeat(70 * 1024), stream: 's' });
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: server.apiPort, method: 'POST', path: '/api/sluice/v1/records/tasks', headers: { authorization: `Bearer ${TOKENS[0]}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
