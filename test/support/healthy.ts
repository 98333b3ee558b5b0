import assert from 'node:assert/strict';
import { publishTestPattern, type RunningProcess } from './ffmpeg.js';
import { TestRtmpClient } from './rtmp-client.js';
import type { TestServer } from './server.js';

/** A real ffmpeg publisher and an RTMP player that must keep streaming while bad clients come and go. */
export interface HealthyStream {
  /** Asserts that the player still receives media and the publisher still runs. */
  assertServing(): Promise<void>;
  stop(): Promise<void>;
}

export async function startHealthyStream(server: TestServer, name = 'healthy'): Promise<HealthyStream> {
  const publisher: RunningProcess = publishTestPattern(server.rtmpUrl(`live/${name}`), 300);
  await server.waitForLog((line) => line.msg === 'publish start' && line.stream === `live/${name}`);
  const watcher = await TestRtmpClient.open(server.rtmpPort, 'live', { keepMedia: false });
  await watcher.play(name);
  return {
    async assertServing() {
      const before = watcher.mediaBytes;
      await watcher.waitUntil(() => watcher.mediaBytes > before + 20_000, 10_000, 'more media for the healthy player');
      assert.ok(!watcher.closed, 'the healthy player is still connected');
      assert.equal(publisher.child.exitCode, null, 'the healthy publisher is still running');
    },
    async stop() {
      watcher.close();
      await publisher.stop();
    },
  };
}
