import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SluiceMetrics } from '../../../src/metrics/index.js';
import { parsePrometheus, valueOf, type Sample } from '../../support/prometheus.js';
import { fakeSession, makeGate, startReceiver, tempDir } from '../gate/support.js';

const scrape = async (metrics: SluiceMetrics): Promise<Sample[]> => parsePrometheus((await metrics.render()).text);

test('gate decisions: allowed, refused by the receiver, error when it cannot be reached', async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const receiver = await startReceiver(t, (req, res) => res.end(req.body.includes('"stream":"no"') ? '1' : '0'));
  let now = 1_000_000;
  const metrics = new SluiceMetrics({ now: () => now });
  const hooks = { http_hooks: { enabled: true, on_play: receiver.url('/on_play'), on_publish: 'http://127.0.0.1:1/down', on_stop: 'http://127.0.0.1:1/down' } };
  const gate = metrics.meter(makeGate(hooks, dir, { observer: metrics.observeDelivery, now: () => now }));
  t.after(() => gate.close());

  const player = fakeSession({ stream: 'yes', protocol: 'http-flv', bytesSent: () => 500 });
  await gate.play(player);
  await assert.rejects(gate.play(fakeSession({ stream: 'no' })));
  await assert.rejects(gate.publish(fakeSession()));
  let samples = await scrape(metrics);
  assert.equal(valueOf(samples, 'sluice_gate_decisions_total', { action: 'play', outcome: 'allowed' }), 1);
  assert.equal(valueOf(samples, 'sluice_gate_decisions_total', { action: 'play', outcome: 'refused', rule: '' }), 1);
  assert.equal(valueOf(samples, 'sluice_gate_decisions_total', { action: 'publish', outcome: 'error' }), 1);
  assert.equal(valueOf(samples, 'sluice_sessions', { protocol: 'http-flv', kind: 'play' }), 1);
  assert.equal(valueOf(samples, 'sluice_sessions', { protocol: 'rtmp' }), 0, 'refused sessions are not counted');
  assert.equal(valueOf(samples, 'sluice_callback_duration_seconds_count', { event: 'on_play', outcome: 'refused' }), 1);
  assert.equal(valueOf(samples, 'sluice_callback_duration_seconds_count', { event: 'on_publish', outcome: 'refused' }), 1);

  // The stop event cannot be delivered: it waits in the outbox, and its age grows.
  gate.stopped(player);
  now += 5000;
  samples = await scrape(metrics);
  assert.equal(valueOf(samples, 'sluice_outbox_depth'), 1);
  assert.equal(valueOf(samples, 'sluice_outbox_oldest_age_seconds'), 5);
  assert.equal(valueOf(samples, 'sluice_sessions', { protocol: 'http-flv' }), 0);
  assert.equal(valueOf(samples, 'sluice_bytes_sent_total', { protocol: 'http-flv' }), 500);
});

test('a connection that publishes twice has its bytes counted once', async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const metrics = new SluiceMetrics();
  const gate = metrics.meter(makeGate({}, dir));
  t.after(() => gate.close());
  let received = 1000;
  const session = fakeSession({ bytesReceived: () => received, bytesSent: () => 0 });
  await gate.publish(session);
  gate.unpublished(session);
  received = 3000;
  await gate.publish(session);
  assert.equal(valueOf(await scrape(metrics), 'sluice_bytes_received_total', { protocol: 'rtmp' }), 3000);
  gate.unpublished(session);
  const samples = await scrape(metrics);
  assert.equal(valueOf(samples, 'sluice_bytes_received_total', { protocol: 'rtmp' }), 3000);
  assert.equal(valueOf(samples, 'sluice_sessions_started_total', { protocol: 'rtmp', kind: 'publish' }), 2);
});

test('recording failures are counted by kind: record tasks, DVR files and HLS writes', async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const metrics = new SluiceMetrics();
  const gate = metrics.meter(makeGate({}, dir));
  t.after(() => gate.close());
  const session = fakeSession();
  gate.recordingStarted({ session, uuid: 'task-1' });
  gate.recordingFinished({ session, uuid: 'task-1', cwd: '/', file: '', code: 1 });
  gate.recordingFinished({ session, uuid: 'dvr-1', cwd: '/', file: '/x.flv', code: 1 });
  gate.recordingFinished({ session, uuid: 'dvr-2', cwd: '/', file: '/y.flv', code: 0 });
  gate.hlsWriteFailed();
  const samples = await scrape(metrics);
  assert.equal(valueOf(samples, 'sluice_recording_errors_total', { kind: 'record' }), 1);
  assert.equal(valueOf(samples, 'sluice_recording_errors_total', { kind: 'dvr' }), 1);
  assert.equal(valueOf(samples, 'sluice_recording_errors_total', { kind: 'hls' }), 1);
});
