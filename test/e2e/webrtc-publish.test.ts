import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { servePage } from '../support/browser.js';
import { decodeErrors, ffprobe, playToFile } from '../support/ffmpeg.js';
import { startTestServer } from '../support/server.js';
import { WEBRTC_PAGE, launchWebRtcChromium, startPeer, waitForFigures } from '../support/webrtc.js';

const RTC = {
  rtc_server: { enabled: true, listen: '127.0.0.1:0', candidate: '127.0.0.1' },
  vhosts: { __defaultVhost__: { rtc: { enabled: true, rtmp_to_rtc: true, rtc_to_rtmp: true } } },
};

test('a Chromium WHIP publish plays over RTMP and HLS (H.264 + AAC) and over WHEP in a second page', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-whip-'));
  const hls = { enabled: true, hls_path: dir, hls_fragment: 1, hls_window: 6 };
  const server = await startTestServer({ ...RTC, vhosts: { __defaultVhost__: { ...RTC.vhosts.__defaultVhost__, hls } } });
  const { server: pages, url } = await servePage(WEBRTC_PAGE, {});
  const browser = await launchWebRtcChromium();
  try {
    const publisher = await browser.newPage();
    await publisher.goto(url);
    const answer = await startPeer(publisher, `http://127.0.0.1:${server.httpPort}/rtc/v1/whip/?app=live&stream=web`, 'publish');
    assert.equal(answer.status, 201, answer.text);
    await waitForFigures(publisher, (f) => f.state === 'connected' && (f.out_video?.packets ?? 0) > 50, 'publisher connected and sending');
    await server.waitForLog((line) => line.msg === 'rtc publish start', 15_000);

    const file = join(dir, 'web.flv');
    const player = playToFile(server.rtmpUrl('live/web'), 4, file);
    const viewer = await browser.newPage();
    await viewer.goto(url);
    const played = await startPeer(viewer, `http://127.0.0.1:${server.apiPort}/rtc/v1/whep/?app=live&stream=web`, 'play');
    assert.equal(played.status, 201, played.text);
    const first = await waitForFigures(viewer, (f) => (f.in_video?.framesDecoded ?? 0) > 10, 'WHEP viewer decodes video');
    await waitForFigures(viewer, (f) => (f.in_video?.framesDecoded ?? 0) > first.in_video!.framesDecoded + 20, 'WHEP viewer keeps decoding');
    await waitForFigures(viewer, (f) => (f.in_audio?.audioEnergy ?? 0) > 0, 'WHEP viewer hears audio');

    assert.equal(await player.exited, 0);
    const probe = await ffprobe(file);
    const codecs = probe.streams.map((stream) => stream.codec_name).sort();
    assert.deepEqual(codecs, ['aac', 'h264'], `RTMP player got ${JSON.stringify(probe.streams)}`);
    // A browser's frame rate varies: ffmpeg's null muxer, at a fixed rate, complains of frames that
    // round to one slot. That is no decoding error; everything else is.
    const errors = (await decodeErrors(file)).split('\n').filter((line) => line !== '' && !line.includes('non monotonically increasing dts to muxer'));
    assert.deepEqual(errors, [], 'the RTMP recording decodes clean');
    // HLS: the segments from the keyframe after the AAC started carry both tracks.
    let hlsCodecs: string[] = [];
    for (let tries = 0; tries < 10 && hlsCodecs.length < 2; tries++) {
      if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 1000));
      hlsCodecs = (await ffprobe(server.httpUrl('live/web.m3u8'))).streams.map((stream) => stream.codec_name).sort();
    }
    assert.deepEqual(hlsCodecs, ['aac', 'h264'], 'HLS carries H.264 and AAC');

    // WHIP DELETE on the resource URL ends the publish.
    const ended = await fetch(`http://127.0.0.1:${server.httpPort}${answer.location}`, { method: 'DELETE' });
    assert.equal(ended.status, 200);
    await server.waitForLog((line) => line.msg === 'session end' && line.protocol === 'webrtc' && String(line.reason).includes('DELETE'));
  } finally {
    await browser.close();
    pages.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});
