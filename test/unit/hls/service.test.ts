import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../../src/config/schema.js';
import { fixedConfig } from '../../../src/config/source.js';
import type { ClientSession, HlsSegmentClosed } from '../../../src/gate/types.js';
import { HlsService } from '../../../src/hls/hls-service.js';
import { HlsViewers } from '../../../src/hls/viewers.js';
import { StreamHub } from '../../../src/hub/stream-hub.js';
import { AccessDenied } from '../../../src/util/errors.js';
import { silentLogger } from '../../../src/util/logger.js';
import { audioHeader, av, videoHeader } from './frames.js';

class FakeGate {
  plays: ClientSession[] = [];
  stops: ClientSession[] = [];
  closes: ClientSession[] = [];
  segments: HlsSegmentClosed[] = [];
  refuse = '';
  async play(session: ClientSession) {
    this.plays.push(session);
    if (this.refuse) throw new AccessDenied(this.refuse);
    return {};
  }
  stopped(session: ClientSession) {
    this.stops.push(session);
  }
  closed(session: ClientSession) {
    this.closes.push(session);
  }
  hlsSegment(info: HlsSegmentClosed) {
    this.segments.push(info);
  }
}

async function setup(hls: Record<string, unknown> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-hls-'));
  const config = parseConfig({ vhosts: { __defaultVhost__: { hls: { enabled: true, hls_path: dir, hls_fragment: 1, ...hls } } } });
  const hub = new StreamHub(
    () => ({ gopCache: true, gopCacheMaxFrames: 100, queueLengthSeconds: 10, mergedWriteMs: 0 }),
    (error) => assert.fail(String(error)),
  );
  const gate = new FakeGate();
  const service = new HlsService(fixedConfig(config), hub, gate, silentLogger());
  const server = createServer((req, res) => {
    const url = new URL(req.url!, `http://${req.headers.host}`);
    void Promise.resolve(service.route(req, res, url)).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let time = 0;
  /** Publishes `seconds` of 1-second GOPs, continuing the timeline; returns once written. */
  const publish = async (seconds: number) => {
    const stream = hub.acquire('__defaultVhost__', 'live', 'livestream');
    const publisher = { id: 'p', protocol: 'rtmp', session: { id: 'pub' } as ClientSession, close() {} };
    stream.attachPublisher(publisher);
    stream.push(videoHeader());
    stream.push(audioHeader());
    for (const frame of av(time, time + seconds * 1000, 1000)) stream.push(frame);
    time += seconds * 1000;
    stream.detachPublisher(publisher);
    await service.idle();
  };
  const get = (path: string) => fetch(`${base}${path}`);
  const done = async () => {
    await service.stop();
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { dir, gate, publish, get, done };
}

test('a viewer passes the gate once: master playlist, then media playlist and segments by hls_ctx', async () => {
  const { gate, publish, get, done } = await setup();
  try {
    assert.equal((await get('/live/livestream.m3u8')).status, 404, 'nothing published yet');
    await publish(2.5);
    assert.deepEqual(gate.segments.map((s) => s.seqNo), [0, 1, 2]);

    const first = await get('/live/livestream.m3u8?token=abc');
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('content-type'), 'application/vnd.apple.mpegurl');
    assert.equal(first.headers.get('access-control-allow-origin'), '*');
    assert.equal(first.headers.get('cache-control'), 'no-cache');
    const master = await first.text();
    const session = gate.plays[0]!;
    assert.equal(master, `#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,AVERAGE-BANDWIDTH=1\n/live/livestream.m3u8?hls_ctx=${session.id}\n`);
    assert.deepEqual(
      { protocol: session.protocol, stream: session.stream, app: session.app, tcUrl: session.tcUrl, param: session.param },
      { protocol: 'hls', stream: 'livestream.m3u8', app: 'live', tcUrl: 'http://127.0.0.1/live', param: '?token=abc' },
    );

    const media = await (await get(`/live/livestream.m3u8?hls_ctx=${session.id}`)).text();
    assert.match(media, new RegExp(`#EXT-X-TARGETDURATION:\\d+\n#EXTINF:1.000, no desc\nlivestream-0.ts\\?hls_ctx=${session.id}\n`), 'a new stream starts with no discontinuity');
    const segment = await get(`/live/livestream-1.ts?hls_ctx=${session.id}`);
    assert.equal(segment.headers.get('content-type'), 'video/MP2T');
    const bytes = Buffer.from(await segment.arrayBuffer());
    assert.equal(bytes[0], 0x47);
    assert.equal(Number(segment.headers.get('content-length')), bytes.length);
    assert.ok(session.bytesSent() > bytes.length);
    assert.equal(gate.plays.length, 1, 'no further gate calls for the same viewer');

    assert.equal((await get('/live/livestream-1.ts')).status, 200, 'segments are served without a session');
    assert.equal((await get('/live/livestream-99.ts')).status, 404);
    assert.equal((await get('/live/..%2f..%2fetc%2fpasswd.ts')).status, 404);

    const unknown = await (await get('/live/livestream.m3u8?hls_ctx=doesnotexist1')).text();
    assert.match(unknown, /^#EXTM3U\n#EXT-X-STREAM-INF/, 'an unknown session id starts a new session');
    assert.equal(gate.plays.length, 2);
  } finally {
    await done();
  }
});

test('a refused viewer gets 403 with the reason and no session', async () => {
  const { gate, publish, get, done } = await setup();
  try {
    await publish(1.5);
    gate.refuse = 'token expired';
    const response = await get('/live/livestream.m3u8');
    assert.equal(response.status, 403);
    assert.equal(await response.text(), 'token expired\n');
    assert.equal(gate.stops.length, 0);
  } finally {
    await done();
  }
});

test('with hls_ctx off each playlist request passes the gate and gets the media playlist', async () => {
  const { gate, publish, get, done } = await setup({ hls_ctx: false });
  try {
    await publish(1.5);
    const text = await (await get('/live/livestream.m3u8')).text();
    assert.match(text, /^#EXTM3U\n#EXT-X-VERSION:3\n/);
    assert.match(text, /\nlivestream-0.ts\n/);
    await get('/live/livestream.m3u8');
    assert.equal(gate.plays.length, 2);
    assert.equal(gate.stops.length, 2, 'each request is reported ended, so nothing stays open');
  } finally {
    await done();
  }
});

test('a republish within hls_dispose continues the playlist; dispose then removes the files', async () => {
  const { dir, gate, publish, get, done } = await setup({ hls_dispose: 0.3 });
  try {
    await publish(2.5);
    await publish(2.5);
    assert.deepEqual(gate.segments.map((s) => s.seqNo), [0, 1, 2, 3, 4, 5]);
    gate.refuse = '';
    const master = await (await get('/live/livestream.m3u8')).text();
    const media = await (await get(master.split('\n')[2]!)).text();
    const lines = media.split('\n');
    assert.equal(media.split('#EXT-X-DISCONTINUITY').length - 1, 1, 'one discontinuity, where the second publish begins');
    assert.equal(lines[lines.findIndex((l) => l.startsWith('livestream-3.ts')) - 2], '#EXT-X-DISCONTINUITY');
    assert.ok(existsSync(join(dir, 'live/livestream.m3u8')));
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(existsSync(join(dir, 'live/livestream.m3u8')), false);
    assert.equal(existsSync(join(dir, 'live/livestream-5.ts')), false);
    assert.equal((await get('/live/livestream.m3u8')).status, 404);
  } finally {
    await done();
  }
});

test('a viewer idle for its idle time is reported stopped and closed by the sweep', () => {
  let now = 1000;
  const gate = new FakeGate();
  const viewers = new HlsViewers(gate, silentLogger(), undefined, 60_000, () => now);
  const session = { id: 'v1', protocol: 'hls', app: 'live', stream: 's.m3u8', startedAt: 0, bytesSent: () => 0 } as unknown as ClientSession;
  viewers.add(session, 20_000, { sent: 0 });
  now += 15_000;
  assert.equal(viewers.touch('v1', 100), session);
  now += 15_000;
  viewers.sweep();
  assert.equal(gate.stops.length, 0, 'touched 15 s ago: still watching');
  now += 10_000;
  viewers.sweep();
  assert.deepEqual([gate.stops, gate.closes], [[session], [session]]);
  assert.equal(viewers.touch('v1'), undefined);
  viewers.stop();
});

test("a segment served to a viewer this process does not hold is told to where it is (workers)", () => {
  const viewers = new HlsViewers(new FakeGate(), silentLogger(), undefined, 60_000);
  const elsewhere: Array<[string, number]> = [];
  viewers.servedElsewhere = (id, bytes) => elsewhere.push([id, bytes]);
  const counter = { sent: 0 };
  viewers.add({ id: 'v1', protocol: 'hls', app: 'live', stream: 's.m3u8', startedAt: 0, bytesSent: () => counter.sent } as unknown as ClientSession, 20_000, counter);
  viewers.served('v1', 1000);
  viewers.served('v2', 500);
  viewers.served(null, 700);
  assert.equal(counter.sent, 1000);
  assert.deepEqual(elsewhere, [['v2', 500]]);
  viewers.stop();
});
