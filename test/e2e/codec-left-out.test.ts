import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TestRtmpClient } from '../support/rtmp-client.js';
import { TestRtspClient } from '../support/rtsp-client.js';
import { startTestServer } from '../support/server.js';

// A VP9 stream (as a WebRTC or Enhanced RTMP publisher sends it) plays over RTSP without its
// video, which RTSP does not carry here, and the log says why.
test('an RTSP player of a VP9 + AAC stream gets the audio; the video is left out with a log line', async () => {
  const server = await startTestServer({ rtsp_server: { enabled: true, listen: '127.0.0.1:0', rtp_port: 0 } });
  const publisher = await TestRtmpClient.open(server.rtmpPort, 'live');
  const client = await TestRtspClient.open(server.rtspPort!);
  try {
    assert.equal(await publisher.publish('vp9'), 'NetStream.Publish.Start');
    const vpcc = await readFile(join(import.meta.dirname, '../fixtures/vp9-320x240.vpcc'));
    publisher.sendMedia(9, 0, Buffer.concat([Buffer.from([0x90, ...Buffer.from('vp09')]), vpcc]));
    publisher.sendMedia(8, 0, Buffer.from([0xaf, 0, 0x12, 0x10]));
    publisher.sendMedia(9, 0, Buffer.from([0x91, ...Buffer.from('vp09'), 0x82, 0x49, 0x83, 0x42]));
    await server.waitForLog((line) => line.msg === 'publish start');
    let described = await client.request('DESCRIBE', `rtsp://127.0.0.1:${server.rtspPort}/live/vp9`);
    for (let tries = 0; tries < 20 && described.status !== 200; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      described = await client.request('DESCRIBE', `rtsp://127.0.0.1:${server.rtspPort}/live/vp9`);
    }
    assert.equal(described.status, 200);
    assert.match(described.body, /m=audio .*\r\na=rtpmap:97 MPEG4-GENERIC\/44100\/2/);
    assert.doesNotMatch(described.body, /m=video/);
    const line = await server.waitForLog((l) => l.msg === 'rtsp leaves a track out');
    assert.deepEqual([line.stream, line.track, line.reason], ['live/vp9', 'video', 'VP9 cannot be carried over RTSP']);
  } finally {
    client.socket.destroy();
    publisher.close();
    await server.close();
  }
});
