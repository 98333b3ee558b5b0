import { test } from 'node:test';
import assert from 'node:assert/strict';
import { servePage } from '../support/browser.js';
import { startTestServer } from '../support/server.js';
import { WEBRTC_PAGE, launchWebRtcChromium, startPeer, waitForFigures } from '../support/webrtc.js';

const RTC = {
  rtc_server: { enabled: true, listen: '127.0.0.1:0', candidate: '127.0.0.1' },
  vhosts: { __defaultVhost__: { rtc: { enabled: true, rtmp_to_rtc: true, rtc_to_rtmp: true } } },
};

// A figure, not a check: the delay from a clock drawn into the publisher's canvas to its picture
// decoded in the player (both pages in one browser, one clock). Printed as a test diagnostic.
test('glass-to-glass delay WHIP to WHEP, measured in the browser', async (t) => {
  const server = await startTestServer(RTC);
  const { server: pages, url } = await servePage(WEBRTC_PAGE, {});
  const browser = await launchWebRtcChromium();
  try {
    const publisher = await browser.newPage();
    await publisher.goto(url);
    const published = await startPeer(publisher, `http://127.0.0.1:${server.httpPort}/rtc/v1/whip/?app=live&stream=clock`, 'clock');
    assert.equal(published.status, 201, published.text);
    await server.waitForLog((line) => line.msg === 'rtc publish start', 15_000);
    const viewer = await browser.newPage();
    await viewer.goto(url);
    const played = await startPeer(viewer, `http://127.0.0.1:${server.httpPort}/rtc/v1/whep/?app=live&stream=clock`, 'play');
    assert.equal(played.status, 201, played.text);
    await waitForFigures(viewer, (f) => (f.in_video?.framesDecoded ?? 0) > 30, 'clock decoded');
    const delays = ((await viewer.evaluate('window.readClock(5000)')) as number[]).sort((a, b) => a - b);
    assert.ok(delays.length > 20, `clock readings: ${delays.length}`);
    const at = (q: number): number => delays[Math.min(delays.length - 1, Math.floor(q * delays.length))]!;
    t.diagnostic(`glass-to-glass WHIP -> WHEP on loopback: median ${at(0.5)} ms, p90 ${at(0.9)} ms, min ${at(0)} ms over ${delays.length} frames`);
  } finally {
    await browser.close();
    pages.close();
    await server.close();
  }
});
