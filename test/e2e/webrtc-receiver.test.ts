import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateCertificate } from '../../src/protocols/webrtc/certificate.js';
import { silentLogger } from '../../src/util/logger.js';
import { WhepReceiver } from '../../bench/webrtc/receiver.js';
import { publishTestPattern } from '../support/ffmpeg.js';
import { startTestServer } from '../support/server.js';
import { waitFor } from '../support/wait.js';

const RTC = {
  rtc_server: { enabled: true, listen: '127.0.0.1:0', candidate: '127.0.0.1' },
  vhosts: { __defaultVhost__: { rtc: { enabled: true, rtmp_to_rtc: true } } },
};

// The WebRTC bench's headless receiver (ICE, the DTLS client role, SRTP) against Sluice's WHEP.
test('headless WHEP receivers get an RTMP publish as H.264 and Opus, and end their sessions with DELETE', async () => {
  const server = await startTestServer(RTC);
  const publisher = publishTestPattern(server.rtmpUrl('live/cam'), 40);
  const certificate = generateCertificate();
  const url = `http://127.0.0.1:${server.apiPort}/rtc/v1/whep/?app=live&stream=cam`;
  const receivers = [0, 1, 2].map(() => new WhepReceiver({ url, certificate, log: silentLogger() }));
  try {
    await server.waitForLog((line) => line.msg === 'publish start', 15_000);
    await Promise.all(receivers.map((r) => r.start()));
    const clockRates = (r: WhepReceiver) => [...r.tracks.values()].filter((t) => t.packets > 20).map((t) => t.clockRate).sort();
    await waitFor(() => receivers.every((r) => clockRates(r).join() === '48000,90000'), 'video and audio at every receiver', 30_000);
    for (const r of receivers) {
      assert.equal(r.state, 'media');
      assert.equal(r.undecryptable, 0);
    }
    await Promise.all(receivers.map((r) => r.stop()));
    await server.waitForLog((line) => line.msg === 'session end' && /DELETE/.test(String(line.reason)), 10_000);
  } finally {
    await Promise.all(receivers.map((r) => r.stop()));
    await publisher.stop();
    await server.close();
  }
});

test('replayed SRTCP packets are dropped and counted while the session keeps playing', async () => {
  const server = await startTestServer(RTC);
  const publisher = publishTestPattern(server.rtmpUrl('live/replay'), 40);
  const certificate = generateCertificate();
  const url = `http://127.0.0.1:${server.apiPort}/rtc/v1/whep/?app=live&stream=replay`;
  const receiver = new WhepReceiver({ url, certificate, log: silentLogger() });
  try {
    await server.waitForLog((line) => line.msg === 'publish start', 15_000);
    await receiver.start();
    await waitFor(() => receiver.lastRtcp !== undefined, 'a receiver report sent', 30_000);
    const captured = receiver.lastRtcp!;
    for (let i = 0; i < 3; i++) receiver.replay(captured);
    const packets = (): number => [...receiver.tracks.values()].reduce((sum, t) => sum + t.packets, 0);
    const before = packets();
    await waitFor(() => packets() > before + 50, 'media after the replays', 30_000);
    assert.equal(receiver.state, 'media');
    await receiver.stop();
    const end = await server.waitForLog((line) => line.msg === 'session end' && /DELETE/.test(String(line.reason)), 10_000);
    assert.ok(Number(end.srtpReplay) >= 3, JSON.stringify(end));
  } finally {
    await receiver.stop();
    await publisher.stop();
    await server.close();
  }
});

// A busy server's full receive buffer drops datagrams, a viewer's consent checks among them: the
// SRTCP it still sends (authenticated, from its address) keeps its session. One that sends
// nothing at all is closed, and a healthy viewer plays on alongside.
test('a viewer whose consent checks are lost but whose receiver reports arrive keeps playing; a silent one is closed', async () => {
  const server = await startTestServer({ ...RTC, vhosts: { __defaultVhost__: { rtc: { enabled: true, rtmp_to_rtc: true, stun_timeout: 3 } } } });
  const publisher = publishTestPattern(server.rtmpUrl('live/consent'), 60);
  const certificate = generateCertificate();
  const url = `http://127.0.0.1:${server.apiPort}/rtc/v1/whep/?app=live&stream=consent`;
  const healthy = new WhepReceiver({ url, certificate, log: silentLogger() });
  const reportsOnly = new WhepReceiver({ url, certificate, log: silentLogger(), consentChecks: false });
  const silent = new WhepReceiver({ url, certificate, log: silentLogger(), consentChecks: false, feedback: false });
  const receivers = [healthy, reportsOnly, silent];
  const packets = (r: WhepReceiver): number => [...r.tracks.values()].reduce((sum, t) => sum + t.packets, 0);
  const ended = (r: WhepReceiver) => (line: Record<string, unknown>): boolean => line.msg === 'session end' && String(line.session).endsWith(`:${r.ufrag}`);
  try {
    await server.waitForLog((line) => line.msg === 'publish start', 15_000);
    await Promise.all(receivers.map((r) => r.start()));
    await waitFor(() => receivers.every((r) => packets(r) > 50), 'media at every receiver', 30_000);
    // The silent one stopped its checks when the other did: once it is gone, so is their consent timer.
    const end = await server.waitForLog(ended(silent), 30_000);
    assert.match(String(end.reason), /consent expired/);
    assert.equal(server.logs().find(ended(reportsOnly)), undefined, 'the viewer sending receiver reports was closed');
    const before = { reportsOnly: packets(reportsOnly), healthy: packets(healthy) };
    await waitFor(() => packets(reportsOnly) > before.reportsOnly + 100 && packets(healthy) > before.healthy + 100, 'media after the silent viewer was closed', 30_000);
    assert.equal(reportsOnly.state, 'media', reportsOnly.error);
    assert.equal(healthy.state, 'media', healthy.error);
    assert.equal(server.logs().find(ended(reportsOnly)), undefined);
  } finally {
    await Promise.all(receivers.map((r) => r.stop()));
    await publisher.stop();
    await server.close();
  }
});
