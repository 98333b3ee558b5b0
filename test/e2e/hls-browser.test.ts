import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium, servePage } from '../support/browser.js';
import { publishTestPattern } from '../support/ffmpeg.js';
import { startTestServer } from '../support/server.js';

const HLS_JS = createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js');

/** A page that plays `source` with hls.js. */
function hlsPage(source: string): string {
  return `<!doctype html><video id="v" muted playsinline></video><script src="/hls.js"></script><script>
const video = document.getElementById('v');
const hls = new Hls({ liveSyncDurationCount: 2 });
window.hlsErrors = [];
hls.on(Hls.Events.ERROR, (_e, data) => window.hlsErrors.push(data.details + (data.fatal ? ' (fatal)' : '')));
hls.loadSource(${JSON.stringify(source)});
hls.attachMedia(video);
hls.on(Hls.Events.MANIFEST_PARSED, () => video.play());
</script>`;
}

test('hls.js in headless Chromium plays the stream', async () => {
  const hlsDir = await mkdtemp(join(tmpdir(), 'sluice-hls-browser-'));
  const server = await startTestServer({
    vhosts: { __defaultVhost__: { hls: { enabled: true, hls_path: hlsDir, hls_fragment: 1, hls_window: 6 } } },
  });
  const publisher = publishTestPattern(server.rtmpUrl('live/web'), 30);
  const { server: pages, url } = await servePage(hlsPage(server.httpUrl('live/web.m3u8')), { '/hls.js': HLS_JS });
  const browser = await launchChromium();
  try {
    // The playlist exists once the first segments are written.
    const deadline = Date.now() + 15_000;
    while ((await fetch(server.httpUrl('live/web.m3u8'))).status !== 200) {
      assert.ok(Date.now() < deadline, 'playlist never appeared');
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const page = await browser.newPage();
    await page.goto(url);
    const time = () => page.evaluate(() => (document.getElementById('v') as HTMLVideoElement).currentTime);
    await page.waitForFunction(() => (document.getElementById('v') as HTMLVideoElement).currentTime > 0.5, undefined, { timeout: 20_000 })
      .catch(async (error: unknown) => {
        throw new Error(`video did not start; hls.js errors: ${JSON.stringify(await page.evaluate(() => (window as unknown as { hlsErrors: string[] }).hlsErrors))}`, { cause: error });
      });
    const start = await time();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const later = await time();
    assert.ok(later - start > 1, `currentTime advanced from ${start} to ${later}`);
  } finally {
    await browser.close();
    pages.close();
    await publisher.stop();
    await server.close();
    await rm(hlsDir, { recursive: true, force: true });
  }
});
