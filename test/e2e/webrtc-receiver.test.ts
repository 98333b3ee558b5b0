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
