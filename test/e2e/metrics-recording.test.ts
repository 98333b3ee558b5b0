import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { publishTestPattern } from '../support/ffmpeg.js';
import { scrapeUntil, valueOf } from '../support/prometheus.js';
import { TestRtmpClient } from '../support/rtmp-client.js';
import { startTestServer } from '../support/server.js';
import { withSmallDisk } from '../support/small-disk.js';

test('DVR and HLS write failures on a full disk are counted, and players keep playing', async () => {
  await withSmallDisk(2 * 1024 * 1024, async (disk) => {
    const server = await startTestServer({
      vhosts: {
        __defaultVhost__: {
          hls: { enabled: true, hls_path: join(disk.dir, 'hls'), hls_fragment: 1, hls_window: 4 },
          dvr: { enabled: true, dvr_path: join(disk.dir, 'dvr', '[app]', '[stream].[timestamp].flv') },
        },
      },
    });
    const publisher = publishTestPattern(server.rtmpUrl('live/full'), 60);
    try {
      await server.waitForLog((line) => line.msg === 'publish start');
      const player = await TestRtmpClient.open(server.rtmpPort, 'live', { keepMedia: false });
      await player.play('full');
      await disk.fill();
      const samples = await scrapeUntil(
        `http://127.0.0.1:${server.apiPort}/metrics`,
        (all) => valueOf(all, 'sluice_recording_errors_total', { kind: 'hls' }) >= 1 && valueOf(all, 'sluice_recording_errors_total', { kind: 'dvr' }) >= 1,
        'hls and dvr write failures to be counted',
        20_000,
      );
      assert.equal(valueOf(samples, 'sluice_recording_errors_total', { kind: 'record' }), 0);
      const before = player.mediaBytes;
      await player.waitUntil(() => player.mediaBytes > before + 20_000, 10_000, 'more media for the player');
      player.close();
    } finally {
      await publisher.stop();
      await server.close();
    }
  });
});
