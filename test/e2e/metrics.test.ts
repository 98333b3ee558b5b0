import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { publishTestPattern, type RunningProcess } from '../support/ffmpeg.js';
import { scrape, scrapeUntil, valueOf, type Sample } from '../support/prometheus.js';
import { TestRtmpClient } from '../support/rtmp-client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { Receiver } from '../unit/gate/support.js';

/**
 * /metrics with real clients: an ffmpeg publisher, RTMP, HTTP-FLV and WebSocket-FLV players, an
 * SRS callback receiver, and a play refused by a gate rule.
 */
let server: TestServer;
let receiver: Receiver;
let publisher: RunningProcess;

before(async () => {
  receiver = await Receiver.start();
  server = await startTestServer({
    exporter: { enabled: true, listen: '127.0.0.1:0', label: 'cn-beijing', tag: 'cn-edge' },
    play_secret: { enabled: true, secret: 's3cret', apps: ['private'] },
    vhosts: {
      __defaultVhost__: {
        http_hooks: { enabled: true, on_publish: receiver.url('/on_publish'), on_play: receiver.url('/on_play'), on_stop: receiver.url('/on_stop') },
      },
    },
  });
  publisher = publishTestPattern(server.rtmpUrl('live/cam'), 60);
  await server.waitForLog((line) => line.msg === 'publish start');
});

after(async () => {
  await publisher.stop();
  await server.close();
  await receiver.close();
});

const metricsUrl = () => `http://127.0.0.1:${server.apiPort}/metrics`;
const metrics = (): Promise<Sample[]> => scrape(metricsUrl());
const metricsWhen = (ok: (samples: Sample[]) => boolean, what: string) => scrapeUntil(metricsUrl(), ok, what);
const sessions = (samples: Sample[], protocol: string, kind: string) => valueOf(samples, 'sluice_sessions', { protocol, kind });

test('sessions by protocol and kind, bytes and frames move while a stream plays', async () => {
  const rtmp = await TestRtmpClient.open(server.rtmpPort, 'live', { keepMedia: false });
  await rtmp.play('cam');
  const flv = new AbortController();
  const flvResponse = await fetch(server.httpUrl('live/cam.flv'), { signal: flv.signal });
  const flvBody = flvResponse.body!.getReader();
  void (async () => {
    for (;;) if ((await flvBody.read().catch(() => ({ done: true }))).done) return;
  })();
  const ws = new WebSocket(`ws://127.0.0.1:${server.httpPort}/live/cam.flv`);
  await new Promise((resolve, reject) => ws.once('message', resolve).once('error', reject));
  try {
    const first = await metricsWhen(
      (samples) => sessions(samples, 'ws-flv', 'play') === 1 && valueOf(samples, 'sluice_bytes_received_total', { protocol: 'rtmp' }) > 0,
      'all sessions counted',
    );
    assert.equal(sessions(first, 'rtmp', 'publish'), 1);
    assert.equal(sessions(first, 'rtmp', 'play'), 1);
    assert.equal(sessions(first, 'http-flv', 'play'), 1);
    assert.equal(valueOf(first, 'sluice_sessions_started_total', { protocol: 'http-flv', kind: 'play' }), 1);
    assert.equal(valueOf(first, 'sluice_streams'), 1);

    const grew = (samples: Sample[], name: string, labels = {}) => valueOf(samples, name, labels) > valueOf(first, name, labels);
    const second = await metricsWhen(
      (samples) =>
        grew(samples, 'sluice_bytes_received_total', { protocol: 'rtmp' }) &&
        grew(samples, 'sluice_frames_received_total') &&
        grew(samples, 'sluice_bytes_sent_total', { protocol: 'ws-flv' }),
      'bytes and frames to grow',
    );
    assert.ok(valueOf(second, 'sluice_bytes_sent_total', { protocol: 'http-flv' }) > 0);
    assert.ok(valueOf(second, 'sluice_gate_decisions_total', { action: 'play', outcome: 'allowed' }) >= 3);
  } finally {
    rtmp.close();
    flv.abort();
    ws.close();
  }
  // Players that leave are no longer counted; what they moved stays in the totals.
  const after = await metricsWhen(
    (samples) => sessions(samples, 'rtmp', 'play') + sessions(samples, 'http-flv', 'play') + sessions(samples, 'ws-flv', 'play') === 0,
    'players to be gone',
  );
  assert.equal(sessions(after, 'rtmp', 'publish'), 1);
  assert.ok(valueOf(after, 'sluice_bytes_sent_total', { protocol: 'ws-flv' }) > 0);
});

test('a play refused by a gate rule is counted with its rule, and the stream goes on', async () => {
  const before = valueOf(await metrics(), 'sluice_gate_decisions_total', { action: 'play', outcome: 'refused', rule: 'play_secret' });
  const player = await TestRtmpClient.open(server.rtmpPort, 'private', { keepMedia: false });
  player.command('play', 1, null, 'cam');
  await player.waitForStatus(/NetStream\.Play\.Failed/);
  player.close();
  const samples = await metrics();
  assert.equal(valueOf(samples, 'sluice_gate_decisions_total', { action: 'play', outcome: 'refused', rule: 'play_secret' }), before + 1);
  assert.equal(sessions(samples, 'rtmp', 'publish'), 1, 'the publisher is still counted');
  assert.equal(valueOf(samples, 'sluice_streams'), 1);
});

test('callback latencies are a histogram by event and outcome', async () => {
  const samples = await metricsWhen((all) => valueOf(all, 'sluice_callback_duration_seconds_count', { event: 'on_stop', outcome: 'delivered' }) >= 3, 'on_stop deliveries');
  assert.ok(valueOf(samples, 'sluice_callback_duration_seconds_count', { event: 'on_publish', outcome: 'allowed' }) >= 1);
  assert.ok(valueOf(samples, 'sluice_callback_duration_seconds_count', { event: 'on_play', outcome: 'allowed' }) >= 3);
  assert.ok(valueOf(samples, 'sluice_callback_duration_seconds_count', { event: 'on_stop', outcome: 'delivered' }) >= 3);
  const inf = valueOf(samples, 'sluice_callback_duration_seconds_bucket', { event: 'on_publish', outcome: 'allowed', le: '+Inf' });
  assert.equal(inf, valueOf(samples, 'sluice_callback_duration_seconds_count', { event: 'on_publish', outcome: 'allowed' }));
  assert.equal(valueOf(samples, 'sluice_outbox_depth'), 0, 'every event was delivered');
  assert.ok(samples.some((s) => s.name === 'nodejs_eventloop_lag_seconds'), 'default process metrics are there');
});

test('the exporter listener serves the same metrics, with its label and tag', async () => {
  const response = await fetch(`http://127.0.0.1:${server.exporterPort}/metrics`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  assert.match(text, /^sluice_build_info\{version="[^"]+",label="cn-beijing",tag="cn-edge"\} 1$/m);
  assert.equal((await fetch(`http://127.0.0.1:${server.exporterPort}/api/v1/streams`)).status, 404, 'only metrics there');
});
