import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { launchChromium, servePage } from '../support/browser.js';
import { publishTestPattern } from '../support/ffmpeg.js';
import { startTestServer } from '../support/server.js';

const MPEGTS_JS = createRequire(import.meta.url).resolve('mpegts.js/dist/mpegts.js');

/** A page that plays a live FLV `source` (ws:// or http://) with mpegts.js. */
function flvPage(source: string): string {
  return `<!doctype html><video id="v" muted playsinline></video><script src="/mpegts.js"></script><script>
const video = document.getElementById('v');
window.playerErrors = [];
const player = mpegts.createPlayer({ type: 'flv', isLive: true, url: ${JSON.stringify(source)} });
player.on(mpegts.Events.ERROR, (type, detail) => window.playerErrors.push(type + ': ' + detail));
player.attachMediaElement(video);
player.load();
video.play();
</script>`;
}

for (const scheme of ['ws', 'http'] as const) {
  test(`mpegts.js in headless Chromium plays ${scheme === 'ws' ? 'WebSocket-FLV' : 'HTTP-FLV'}`, async () => {
    const server = await startTestServer();
    const publisher = publishTestPattern(server.rtmpUrl('live/web'), 30);
    await server.waitForLog((line) => line.msg === 'publish start');
    const source = `${scheme}://127.0.0.1:${server.httpPort}/live/web.flv`;
    const { server: pages, url } = await servePage(flvPage(source), { '/mpegts.js': MPEGTS_JS });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(url);
      const time = () => page.evaluate(() => (document.getElementById('v') as HTMLVideoElement).currentTime);
      await page
        .waitForFunction(() => (document.getElementById('v') as HTMLVideoElement).currentTime > 0.5, undefined, { timeout: 20_000 })
        .catch(async (error: unknown) => {
          const errors = await page.evaluate(() => (window as unknown as { playerErrors: string[] }).playerErrors);
          throw new Error(`video did not start; mpegts.js errors: ${JSON.stringify(errors)}`, { cause: error });
        });
      const start = await time();
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const later = await time();
      assert.ok(later - start > 1, `currentTime advanced from ${start} to ${later}`);
      const protocol = scheme === 'ws' ? 'ws-flv' : 'http-flv';
      assert.ok(server.logs().some((line) => line.msg === 'play start' && line.protocol === protocol));
    } finally {
      await browser.close();
      pages.close();
      await publisher.stop();
      await server.close();
    }
  });
}
