import { createConnection } from 'node:net';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { servePage } from '../support/browser.js';
import { publishTestPattern } from '../support/ffmpeg.js';
import { startTestServer } from '../support/server.js';
import { WEBRTC_PAGE, launchWebRtcChromium, startPeer, waitForFigures } from '../support/webrtc.js';

const RTC_TCP = {
  // Only TCP candidates are offered: the browser must reach the server over ICE-TCP.
  rtc_server: { enabled: true, listen: '127.0.0.1:0', candidate: '127.0.0.1', protocol: 'tcp' as const, tcp: { enabled: true, listen: '127.0.0.1:0' } },
  vhosts: { __defaultVhost__: { rtc: { enabled: true, rtmp_to_rtc: true, rtc_to_rtmp: true } } },
};

test('with protocol tcp, Chromium plays over WHEP through ICE-TCP, and a connection that is not RFC 4571 is closed', async () => {
  const server = await startTestServer(RTC_TCP);
  const publisher = publishTestPattern(server.rtmpUrl('live/cam'), 40);
  const { server: pages, url } = await servePage(WEBRTC_PAGE, {});
  const browser = await launchWebRtcChromium();
  try {
    await server.waitForLog((line) => line.msg === 'publish start', 15_000);
    // A client that sends bytes with no framing (an empty frame) is closed, and logged.
    const stray = createConnection(server.rtcTcpPort!, '127.0.0.1');
    stray.write(Buffer.from([0, 0, 1, 2]));
    await new Promise((resolve) => stray.on('close', resolve));
    await server.waitForLog((line) => line.msg === 'rtc tcp connection closed: not RFC 4571 framing');

    const page = await browser.newPage();
    await page.goto(url);
    const answer = await startPeer(page, `http://127.0.0.1:${server.apiPort}/rtc/v1/whep/?app=live&stream=cam`, 'play');
    assert.equal(answer.status, 201, answer.text);
    assert.match(answer.text, /a=candidate:\d+ 1 tcp \d+ 127\.0\.0\.1 \d+ typ host tcptype passive/);
    assert.doesNotMatch(answer.text, / udp /);
    const playing = await waitForFigures(page, (f) => (f.in_video?.framesDecoded ?? 0) > 25, 'video decoded over TCP');
    assert.equal(playing.protocol, 'tcp');
    await waitForFigures(page, (f) => (f.in_audio?.audioEnergy ?? 0) > 0, 'audio heard over TCP');
    // Closing the page closes its TCP connection: the session ends at once, not at the consent timeout.
    await page.close();
    const end = await server.waitForLog((line) => line.msg === 'session end' && line.protocol === 'webrtc');
    assert.match(String(end.reason), /ice-tcp connection closed|DTLS|dtls/);
  } finally {
    await browser.close();
    pages.close();
    await publisher.stop();
    await server.close();
  }
});
