import { spawn } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { servePage } from '../support/browser.js';
import { publishTestPattern } from '../support/ffmpeg.js';
import { startTestServer } from '../support/server.js';
import { WEBRTC_PAGE, launchWebRtcChromium, startPeer, waitForFigures } from '../support/webrtc.js';

const RTC = {
  rtc_server: { enabled: true, listen: '127.0.0.1:0', candidate: '127.0.0.1' },
  vhosts: { __defaultVhost__: { rtc: { enabled: true, rtmp_to_rtc: true, rtc_to_rtmp: true } } },
};

test('Chromium plays an RTMP publish (H.264 baseline + AAC) over WHEP', async () => {
  const server = await startTestServer(RTC);
  const publisher = publishTestPattern(server.rtmpUrl('live/cam'), 40);
  const { server: pages, url } = await servePage(WEBRTC_PAGE, {});
  const browser = await launchWebRtcChromium();
  try {
    await server.waitForLog((line) => line.msg === 'publish start', 15_000);
    const page = await browser.newPage();
    await page.goto(url);
    const answer = await startPeer(page, `http://127.0.0.1:${server.apiPort}/rtc/v1/whep/?app=live&stream=cam`, 'play');
    assert.equal(answer.status, 201, answer.text);
    assert.match(answer.location ?? '', /^\/rtc\/v1\/whep\/\?action=delete&token=/);
    const first = await waitForFigures(page, (f) => (f.in_video?.framesDecoded ?? 0) > 10, 'video decoded');
    const later = await waitForFigures(page, (f) => (f.in_video?.framesDecoded ?? 0) > first.in_video!.framesDecoded + 25, 'video keeps decoding');
    assert.ok(later.in_video!.framesDecoded > first.in_video!.framesDecoded);
    // The AAC of the source reaches the browser as Opus.
    await waitForFigures(page, (f) => (f.in_audio?.audioEnergy ?? 0) > 0, 'audio heard');
    const clients = (await (await fetch(`http://127.0.0.1:${server.apiPort}/api/v1/clients/`)).json()) as { clients: Array<{ type: string; rtc?: unknown }> };
    const player = clients.clients.find((client) => client.type === 'rtc-play');
    assert.ok(player?.rtc, `the API lists the WebRTC player with its link figures: ${JSON.stringify(clients.clients)}`);
  } finally {
    await browser.close();
    pages.close();
    await publisher.stop();
    await server.close();
  }
});

test('a publish with B-frames plays over WHEP without them, and the publisher is warned', async () => {
  const server = await startTestServer(RTC);
  const ffmpeg = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-t', '40',
    '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'main', '-bf', '2', '-g', '25', '-pix_fmt', 'yuv420p', '-f', 'flv', server.rtmpUrl('live/bframes')], { stdio: 'ignore' });
  const { server: pages, url } = await servePage(WEBRTC_PAGE, {});
  const browser = await launchWebRtcChromium();
  try {
    await server.waitForLog((line) => line.msg === 'publish start', 15_000);
    const page = await browser.newPage();
    await page.goto(url);
    const answer = await startPeer(page, `http://127.0.0.1:${server.apiPort}/rtc/v1/whep/?app=live&stream=bframes`, 'play');
    assert.equal(answer.status, 201, answer.text);
    await waitForFigures(page, (f) => (f.in_video?.framesDecoded ?? 0) > 20, 'video decoded');
    await server.waitForLog((line) => String(line.msg).includes('B-frames') && line.level === 40);
  } finally {
    await browser.close();
    pages.close();
    ffmpeg.kill('SIGINT');
    await server.close();
  }
});
