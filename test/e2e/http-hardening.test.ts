import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startHealthyStream, type HealthyStream } from '../support/healthy.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { Receiver } from '../unit/gate/support.js';

/**
 * Hostile and unlucky HTTP clients (crashing file reads, resets during the gate, refused
 * WebSocket handshakes, huge messages, odd paths and hosts) while a healthy stream keeps flowing.
 * HLS playlists are refused by the gate: a path that reaches one anyway bypassed it.
 */

interface Hook {
  action: string;
  client_id: string;
  stream: string;
}

let server: TestServer;
let receiver: Receiver;
let healthy: HealthyStream;
let html: string;
// Answers to on_play for the stream `slowgate` wait until the test lets them go.
const held: Array<() => void> = [];

before(async () => {
  html = await mkdtemp(join(tmpdir(), 'sluice-html-'));
  receiver = await Receiver.start((req, res) => {
    const hook = JSON.parse(req.body) as Hook;
    if (hook.action !== 'on_play') return res.end('0');
    if (hook.stream.endsWith('.m3u8')) return res.end('{"code":1}');
    if (hook.stream === 'slowgate') return new Promise<void>((resolve) => held.push(() => resolve(void res.end('0'))));
    return res.end('0');
  });
  const hooks = Object.fromEntries(['on_play', 'on_stop', 'on_close'].map((event) => [event, receiver.url(`/${event}`)]));
  server = await startTestServer({
    // The healthy publisher and player take two; every test below would exhaust the rest if a slot leaked.
    max_connections: 6,
    http_server: { listen: '127.0.0.1:0', dir: html },
    vhosts: { __defaultVhost__: { http_hooks: { enabled: true, ...hooks }, hls: { enabled: true, hls_path: html, hls_fragment: 1, hls_window: 4 } } },
  });
  healthy = await startHealthyStream(server);
});

after(async () => {
  for (const release of held.splice(0)) release();
  await healthy.stop();
  await server.close();
  await receiver.close();
  await rm(html, { recursive: true, force: true });
});

/** Sends raw bytes and resolves with everything the server answers until it closes. */
async function rawRequest(request: string): Promise<string> {
  const socket = connect(server.httpPort!, '127.0.0.1');
  socket.on('error', () => {});
  const chunks: Buffer[] = [];
  socket.on('data', (data: Buffer) => chunks.push(data));
  socket.write(request);
  await once(socket, 'close');
  return Buffer.concat(chunks).toString('latin1');
}

function upgradeRequest(path: string, key = 'dGhlIHNhbXBsZSBub25jZQ=='): string {
  const keyLine = key ? `Sec-WebSocket-Key: ${key}\r\n` : '';
  return `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n${keyLine}\r\n`;
}

/** A real WS-FLV viewer that receives the FLV header: proof that a connection slot was free. */
async function wsFlvPlays(): Promise<void> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.httpPort}/live/healthy.flv`);
  const [first] = (await once(ws, 'message')) as [Buffer];
  assert.equal(first.subarray(0, 3).toString(), 'FLV');
  ws.close();
  await once(ws, 'close');
}

/** Polls until the HLS route stops answering "not ready" for `path`. */
async function playlistWritten(path: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while ((await fetch(server.httpUrl(path))).status === 404) {
    if (Date.now() > deadline) throw new Error(`${path} was never written`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const hooksFor = (clientId: string): string[] =>
  receiver.requests.map((r) => JSON.parse(r.body) as Hook).filter((h) => h.client_id === clientId).map((h) => h.action);

/** Starts a client, waits for its on_play to be held, then resets the connection (RST). */
async function resetDuringGate(request: string): Promise<string> {
  const before = receiver.requests.length;
  const socket: Socket = connect(server.httpPort!, '127.0.0.1');
  socket.on('error', () => {});
  await once(socket, 'connect');
  socket.write(request);
  const [play] = await receiver.waitFor(1, (r) => r.url === '/on_play' && receiver.requests.indexOf(r) >= before);
  socket.resetAndDestroy();
  await once(socket, 'close');
  return (JSON.parse(play!.body) as Hook).client_id;
}

test('a file that disappears or changes while it is requested never crashes the server', async () => {
  const file = join(html, 'flicker.json');
  const spare = join(html, 'spare.json');
  const answers: Array<{ status: number; length: string | null; bytes: number }> = [];
  for (let round = 0; round < 60; round++) {
    const body = 'x'.repeat(1000 + round * 37);
    const churn = (async () => {
      await writeFile(spare, body);
      await rename(spare, file);
      await rm(file, { force: true });
    })();
    const requests = Array.from({ length: 4 }, async () => {
      const response = await fetch(server.httpUrl('flicker.json'));
      const bytes = (await response.arrayBuffer()).byteLength;
      answers.push({ status: response.status, length: response.headers.get('content-length'), bytes });
    });
    await Promise.all([churn, ...requests]);
  }
  for (const answer of answers) {
    assert.ok(answer.status === 200 || answer.status === 404, `status ${answer.status}`);
    if (answer.status === 200) assert.equal(Number(answer.length), answer.bytes, 'Content-Length matches the bytes sent');
  }
});

test('a file that cannot be opened is a 404, not a crash', async () => {
  // A regular file that even root may not read (EACCES), linked into the served directory.
  await symlink('/proc/sys/vm/drop_caches', join(html, 'locked.txt'));
  for (let i = 0; i < 3; i++) assert.equal((await fetch(server.httpUrl('locked.txt'))).status, 404);
});

test('temporary files are never served', async () => {
  await mkdir(join(html, 'live'), { recursive: true });
  await writeFile(join(html, 'live', 'x.m3u8.1234.tmp'), '#EXTM3U\n');
  await writeFile(join(html, 'page.html.tmp'), '<p>draft</p>');
  assert.equal((await fetch(server.httpUrl('live/x.m3u8.1234.tmp'))).status, 404);
  assert.equal((await fetch(server.httpUrl('page.html.tmp'))).status, 404);
});

test('every spelling of a playlist path passes the HLS gate; HLS files are not served statically', async () => {
  await playlistWritten('live/healthy.m3u8');
  for (const path of ['/live/healthy.m3u8', '/live//healthy.m3u8', '//live/%68ealthy.m3u8', '/live/./healthy.m3u8', '/x/../live/healthy.m3u8', '/live/%2e/healthy.m3u8']) {
    const answer = await rawRequest(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    assert.match(answer, /^HTTP\/1.1 403 /u, `${path} is refused by the gate`);
  }
  // A playlist left on disk for a stream that is not published is not served around the gate.
  await writeFile(join(html, 'live', 'gone.m3u8'), '#EXTM3U\n');
  assert.equal((await fetch(server.httpUrl('live/gone.m3u8'))).status, 404);
});

test('an encoded slash or NUL in the path, or a malformed Host, is a 400 logged below error level', async () => {
  for (const target of ['/live/%2Fhealthy.m3u8', '/live/a%00.flv', '/live/%zz.flv']) {
    assert.match(await rawRequest(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`), /^HTTP\/1.1 400 /u);
  }
  assert.match(await rawRequest('GET /live/healthy.flv HTTP/1.1\r\nHost: [::1\r\nConnection: close\r\n\r\n'), /^HTTP\/1.1 400 /u);
  assert.match(await rawRequest(upgradeRequest('/live/healthy.flv').replace('Host: 127.0.0.1', 'Host: [::1')), /^HTTP\/1.1 400 /u);
  await server.waitForLog((line) => /malformed Host/.test(String(line.err)));
  assert.deepEqual(server.logs().filter((line) => Number(line.level) >= 50), [], 'no error-level log line');
});

test('WebSocket upgrades that ws refuses give their connection slot back', async () => {
  for (let i = 0; i < 10; i++) {
    const answer = await rawRequest(upgradeRequest('/live/healthy.flv', ''));
    assert.match(answer, /^HTTP\/1.1 400 /u);
  }
  await wsFlvPlays();
});

test('a viewer that resets while the gate decides: no crash, slot back, on_stop sent', async () => {
  const clients: string[] = [];
  for (let i = 0; i < 6; i++) clients.push(await resetDuringGate(upgradeRequest('/live/slowgate.flv')));
  clients.push(await resetDuringGate('GET /live/slowgate.flv HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
  for (const release of held.splice(0)) release();
  for (const client of clients) {
    await receiver.waitFor(1, (r) => r.url === '/on_stop' && r.body.includes(client));
    // As in SRS, HTTP-FLV and WS-FLV players get on_play and on_stop (on_close is RTMP's).
    assert.deepEqual(hooksFor(client), ['on_play', 'on_stop']);
  }
  await wsFlvPlays();
});

test('a WebSocket-FLV viewer cannot send large messages', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${server.httpPort}/live/healthy.flv`);
  await once(ws, 'message');
  ws.send(Buffer.alloc(1024 * 1024));
  const [code] = (await once(ws, 'close')) as [number];
  assert.equal(code, 1009, 'closed as "message too big"');
  await wsFlvPlays();
});

test('the healthy stream kept flowing', async () => {
  await healthy.assertServing();
});
