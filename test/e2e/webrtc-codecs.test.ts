import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readVideoTagHeader } from '../../src/codecs/inspect.js';
import { describeVideoConfig } from '../../src/codecs/describe.js';
import { FlvReader, FLV_TAG_TYPE } from '../../src/formats/flv/index.js';
import { servePage } from '../support/browser.js';
import { runToEnd } from '../support/ffmpeg.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { WEBRTC_PAGE, launchWebRtcChromium, startPeer, waitForFigures } from '../support/webrtc.js';

const RTC = {
  rtc_server: { enabled: true, listen: '127.0.0.1:0', candidate: '127.0.0.1' },
  vhosts: { __defaultVhost__: { rtc: { enabled: true, rtmp_to_rtc: true, rtc_to_rtmp: true } } },
};

/** Video tags of an HTTP-FLV play for `ms` milliseconds. */
async function flvVideo(server: TestServer, path: string, ms: number): Promise<Buffer[]> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), ms);
  const reader = new FlvReader();
  const bodies: Buffer[] = [];
  try {
    const response = await fetch(server.httpUrl(path), { signal: abort.signal });
    for await (const chunk of response.body!) {
      reader.push(Buffer.from(chunk as Uint8Array), (tag) => {
        if (tag.type === FLV_TAG_TYPE.VIDEO) bodies.push(Buffer.from(tag.body));
      });
    }
  } catch (error) {
    if (!abort.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
  }
  return bodies;
}

/** The coded frames of Enhanced RTMP VP9 or AV1 tags as an IVF file, which ffmpeg decodes. */
function ivf(fourcc: 'VP90' | 'AV01', frames: Buffer[]): Buffer {
  const header = Buffer.alloc(32);
  header.write('DKIF', 0, 'latin1');
  header.writeUInt16LE(32, 6);
  header.write(fourcc, 8, 'latin1');
  header.writeUInt32LE(1000, 16); // time base 1/1000
  header.writeUInt32LE(1, 20);
  header.writeUInt32LE(frames.length, 24);
  const parts = frames.map((frame, i) => {
    const head = Buffer.alloc(12);
    head.writeUInt32LE(frame.length, 0);
    head.writeUInt32LE(i * 33, 4);
    return Buffer.concat([head, frame]);
  });
  return Buffer.concat([header, ...parts]);
}

// VP9: the player comes after the publisher and gets its codec; AV1: it comes first, asking for it (SRS 7's codec=).
for (const [codec, early] of [['VP9', false], ['AV1', true]] as const) {
  test(`a Chromium ${codec} WHIP publish plays over WHEP in ${codec} (${early ? 'a player that came first asking for it' : 'a player that came after'}) and over HTTP-FLV as Enhanced RTMP that ffmpeg decodes`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-codec-'));
    const server = await startTestServer(RTC);
    const { server: pages, url } = await servePage(WEBRTC_PAGE, {});
    const browser = await launchWebRtcChromium();
    try {
      const stream = codec.toLowerCase();
      const viewer = await browser.newPage();
      await viewer.goto(url);
      const play = (): ReturnType<typeof startPeer> => startPeer(viewer, `http://127.0.0.1:${server.apiPort}/rtc/v1/whep/?app=live&stream=${stream}${early ? `&codec=${stream}` : ''}`, 'play');
      if (early) {
        const played = await play();
        assert.equal(played.status, 201, played.text);
        assert.match(played.text, new RegExp(`a=rtpmap:\\d+ ${codec}/90000`));
      }
      const publisher = await browser.newPage();
      await publisher.goto(url);
      const answer = await startPeer(publisher, `http://127.0.0.1:${server.httpPort}/rtc/v1/whip/?app=live&stream=${stream}`, 'publish', {}, codec);
      assert.equal(answer.status, 201, answer.text);
      assert.match(answer.text, new RegExp(`a=rtpmap:\\d+ ${codec}/90000`));
      const sent = await waitForFigures(publisher, (f) => f.state === 'connected' && (f.out_video?.frames ?? 0) > 30, `publisher encodes ${codec}`);
      assert.equal(sent.out_video?.codec, `video/${codec}`);
      await server.waitForLog((line) => line.msg === 'rtc publish start', 15_000);

      // A player offering every codec it has is answered with the stream's.
      if (!early) {
        const played = await play();
        assert.equal(played.status, 201, played.text);
      }
      const first = await waitForFigures(viewer, (f) => (f.in_video?.framesDecoded ?? 0) > 10, `WHEP viewer decodes ${codec}`, 30_000);
      assert.equal(first.in_video?.codec, `video/${codec}`);
      await waitForFigures(viewer, (f) => (f.in_video?.framesDecoded ?? 0) > first.in_video!.framesDecoded + 20, 'WHEP viewer keeps decoding');

      // A player that offers H.264 only is refused with the reason.
      const h264Only = await browser.newPage();
      await h264Only.goto(url);
      const refused = await startPeer(h264Only, `http://127.0.0.1:${server.apiPort}/rtc/v1/whep/?app=live&stream=${stream}`, 'play', {}, 'H264');
      assert.equal(refused.status, 400);
      assert.match(refused.text, new RegExp(`the stream's video is ${codec} and the offer's video has H264`));

      // Enhanced RTMP over HTTP-FLV: a sequence start naming the codec, then frames from a keyframe.
      const tags = await flvVideo(server, `live/${stream}.flv`, 4000);
      const headers = tags.map((body) => readVideoTagHeader(body));
      assert.equal(headers[0]?.sequenceHeader, true);
      assert.equal(describeVideoConfig(tags[0]!)?.codec, codec);
      const frames = tags.filter((_, i) => !headers[i]!.sequenceHeader).map((body, i, all) => body.subarray(readVideoTagHeader(all[i]!).payloadOffset));
      assert.equal(headers[1]?.keyframe, true, 'the first frame is a keyframe');
      assert.ok(frames.length > 30, `${frames.length} frames over HTTP-FLV`);
      const file = join(dir, `${stream}.ivf`);
      await writeFile(file, ivf(codec === 'VP9' ? 'VP90' : 'AV01', frames));
      const decoded = await runToEnd('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-']);
      assert.equal(decoded.code, 0, decoded.stderr);
      assert.equal(decoded.stderr.trim(), '', 'the frames decode clean');
    } finally {
      await browser.close();
      pages.close();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
}
