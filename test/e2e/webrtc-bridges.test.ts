import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recvonlyOffer } from '../../bench/webrtc/offer.js';
import { WhepReceiver } from '../../bench/webrtc/receiver.js';
import { generateCertificate } from '../../src/protocols/webrtc/certificate.js';
import { silentLogger } from '../../src/util/logger.js';
import { servePage } from '../support/browser.js';
import { publishTestPattern } from '../support/ffmpeg.js';
import { TestRtmpClient } from '../support/rtmp-client.js';
import { startTestServer } from '../support/server.js';
import { waitFor } from '../support/wait.js';
import { WEBRTC_PAGE, launchWebRtcChromium, startPeer, waitForFigures } from '../support/webrtc.js';

const RTC_SERVER = { enabled: true, listen: '127.0.0.1:0', candidate: '127.0.0.1' };
const rtpPackets = (r: WhepReceiver): number => [...r.tracks.values()].reduce((sum, t) => sum + t.packets, 0);

// SRS 7 (srs_app_rtc_api.cpp): with rtmp_to_rtc off, a play of a stream RTMP publishes is
// refused with ERROR_RTC_DISABLED (5021); a WebRTC player already waiting gets nothing of it.
test('rtmp_to_rtc off: a WHEP play of an RTMP stream is refused, a waiting WebRTC player gets none of it, RTMP plays on', async () => {
  const server = await startTestServer({ rtc_server: RTC_SERVER, vhosts: { __defaultVhost__: { rtc: { enabled: true, rtmp_to_rtc: false } } } });
  const certificate = generateCertificate();
  const whep = `http://127.0.0.1:${server.apiPort}/rtc/v1/whep/?app=live&stream=cam`;
  const early = new WhepReceiver({ url: whep, certificate, log: silentLogger() });
  const late = new WhepReceiver({ url: whep, certificate, log: silentLogger() });
  let publisher: ReturnType<typeof publishTestPattern> | undefined;
  let rtmp: TestRtmpClient | undefined;
  try {
    // Before any publish the play is answered (SRS checks only a stream published now).
    await early.start();
    await waitFor(() => early.state === 'media', 'the early WebRTC player connected', 15_000);
    publisher = publishTestPattern(server.rtmpUrl('live/cam'), 60);
    await server.waitForLog((line) => line.msg === 'publish start', 15_000);

    await late.start();
    assert.equal(late.state, 'failed');
    assert.match(late.error ?? '', /WHEP answered 403: Disabled rtmp_to_rtc/);
    const sdp = recvonlyOffer({ ufrag: 'abcd', pwd: 'abcdefghijklmnopqrstuvwx', fingerprint: certificate.fingerprint });
    const api = await fetch(`http://127.0.0.1:${server.apiPort}/rtc/v1/play/`, { method: 'POST', body: JSON.stringify({ streamurl: 'webrtc://127.0.0.1/live/cam', sdp }) });
    assert.equal(api.status, 403);
    assert.equal(((await api.json()) as { code: number }).code, 5021);

    rtmp = await TestRtmpClient.open(server.rtmpPort, 'live');
    assert.equal(await rtmp.play('cam'), 'NetStream.Play.Start');
    await rtmp.waitUntil(() => rtmp!.media().length > 100, 30_000, 'RTMP media');
    assert.equal(rtpPackets(early), 0, 'the WebRTC player got the RTMP publish');
    assert.equal(early.state, 'media');
  } finally {
    rtmp?.close();
    await early.stop();
    await late.stop();
    await publisher?.stop();
    await server.close();
  }
});

// SRS 7 (srs_app_rtc_conn.cpp): with rtc_to_rtmp off a WebRTC publish gets no bridge to the live
// source. RTMP players of the name are answered NetStream.Play.Start and wait, as for a stream not
// published; there is no HLS; an RTMP publish of the name is refused (the RTC stream is busy).
test('rtc_to_rtmp off: a WHIP publish plays over WebRTC only; RTMP players wait, HLS has nothing, an RTMP publish is refused', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-rtc-only-'));
  const hls = { enabled: true, hls_path: dir, hls_fragment: 1, hls_window: 6 };
  const server = await startTestServer({ rtc_server: RTC_SERVER, vhosts: { __defaultVhost__: { rtc: { enabled: true, rtc_to_rtmp: false }, hls } } });
  const { server: pages, url } = await servePage(WEBRTC_PAGE, {});
  const browser = await launchWebRtcChromium();
  const viewer = new WhepReceiver({ url: `http://127.0.0.1:${server.apiPort}/rtc/v1/whep/?app=live&stream=web`, certificate: generateCertificate(), log: silentLogger() });
  let player: TestRtmpClient | undefined;
  let intruder: TestRtmpClient | undefined;
  try {
    const page = await browser.newPage();
    await page.goto(url);
    const answer = await startPeer(page, `http://127.0.0.1:${server.httpPort}/rtc/v1/whip/?app=live&stream=web`, 'publish');
    assert.equal(answer.status, 201, answer.text);
    await waitForFigures(page, (f) => f.state === 'connected' && (f.out_video?.packets ?? 0) > 50, 'publisher connected and sending');
    await server.waitForLog((line) => line.msg === 'rtc publish start', 15_000);

    player = await TestRtmpClient.open(server.rtmpPort, 'live');
    assert.equal(await player.play('web'), 'NetStream.Play.Start');
    await viewer.start();
    await waitFor(() => [...viewer.tracks.values()].filter((t) => t.packets > 100).length === 2, 'WebRTC video and audio', 30_000);
    assert.equal(player.media().length, 0, 'the RTMP player got the WebRTC publish');
    assert.equal((await fetch(server.httpUrl('live/web.m3u8'))).status, 404);

    intruder = await TestRtmpClient.open(server.rtmpPort, 'live');
    assert.equal(await intruder.publish('web'), 'NetStream.Publish.BadName');
    const before = rtpPackets(viewer);
    await waitFor(() => rtpPackets(viewer) > before + 100, 'WebRTC media after the refused publish', 30_000);
    assert.equal(player.media().length, 0);
  } finally {
    player?.close();
    intruder?.close();
    await viewer.stop();
    await browser.close();
    pages.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});
