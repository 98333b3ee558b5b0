import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browser.js';
import { publishTestPattern, type RunningProcess } from '../support/ffmpeg.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { Receiver } from '../unit/gate/support.js';

/**
 * The web console in headless Chromium, against a server with a token, a callback receiver, HLS,
 * DVR and record tasks, and ffmpeg publishing. Every page loads without a console error;
 * screenshots of each page are kept in a temp directory (printed).
 */

const TOKEN = 'console-test-token';
let server: TestServer;
let receiver: Receiver;
let dir: string;
let shots: string;
let browser: Browser;
let page: Page;
let publisher: RunningProcess;
let healthy: RunningProcess;
const errors: string[] = [];

const consoleUrl = (hash = ''): string => `http://127.0.0.1:${server.apiPort}/console/${hash}`;
const video = (): Promise<number> => page.evaluate(() => (document.getElementById('player') as HTMLVideoElement).currentTime);

/** Waits until the live player has played a second and then goes on playing. */
async function playsOn(): Promise<void> {
  await page.waitForFunction(() => (document.getElementById('player') as HTMLVideoElement).currentTime > 1, undefined, { timeout: 30_000 });
  const start = await video();
  await page.waitForFunction((t) => (document.getElementById('player') as HTMLVideoElement).currentTime > t + 1, start, { timeout: 15_000 });
}

async function shoot(name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

function noErrors(where: string): void {
  assert.deepEqual(errors.splice(0), [], `console errors on ${where}`);
}

before(async () => {
  // The console under test is the one built from these sources.
  const built = spawnSync(process.execPath, ['scripts/bundle-console.mjs'], { encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
  dir = await mkdtemp(join(tmpdir(), 'sluice-console-'));
  shots = await mkdtemp(join(tmpdir(), 'sluice-console-shots-'));
  const html = join(dir, 'html');
  await mkdir(html);
  receiver = await Receiver.start((_req, res) => res.end('0'));
  server = await startTestServer({
    http_server: { listen: '127.0.0.1:0', dir: html },
    http_api: { listen: '127.0.0.1:0', api_token: [TOKEN], raw_api: { enabled: true, allow_reload: true } },
    vhosts: {
      __defaultVhost__: {
        http_hooks: { enabled: true, on_publish: [receiver.url('/hooks/on_publish')] },
        hls: { enabled: true, hls_path: join(dir, 'hls'), hls_fragment: 1, hls_window: 6 },
        dvr: { enabled: true, dvr_path: join(html, 'dvr/[app]/[stream].mp4'), dvr_apply: ['live/other'] },
        record: { record_path: join(dir, 'record') },
      },
    },
  });
  publisher = publishTestPattern(server.rtmpUrl('live/cam'), 150);
  // A second stream plays on through everything the console does to the first.
  healthy = publishTestPattern(server.rtmpUrl('live/other'), 150);
  await server.waitForLog((line) => line.msg === 'publish start' && line.stream === 'live/cam');
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
});

after(async () => {
  await browser?.close();
  await Promise.all([publisher?.stop(), healthy?.stop()]);
  await server?.close();
  await receiver?.close();
  await rm(dir, { recursive: true, force: true });
  console.log(`console screenshots: ${shots}`);
});

test('sign in: the page asks for the token and says what loopback means without one', async () => {
  await page.goto(consoleUrl());
  await page.waitForSelector('#login');
  assert.match(await page.textContent('#login') ?? '', /loopback/);
  await shoot('login');
  await page.fill('#token', TOKEN);
  await page.click('#login button[type=submit]');
  await page.waitForSelector('a:has-text("/live/cam")');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('sluice.token')), TOKEN);
  noErrors('sign in');
});

test('dashboard: streams, viewers per protocol, charts of bitrate and load', async () => {
  await page.goto(consoleUrl('#/'));
  await page.waitForSelector('a:has-text("/live/other")');
  await page.waitForSelector('.chart svg polyline');
  const text = await page.textContent('main') ?? '';
  for (const part of ['Bitrate', 'CPU', 'Memory', 'Event-loop lag', 'Viewers per protocol', 'rtmp']) assert.ok(text.includes(part), part);
  await shoot('dashboard');
  noErrors('the dashboard');
});

test('stream page: tracks, publisher, a live HTTP-FLV player, and kick', async () => {
  await page.click('a:has-text("/live/cam")');
  await page.waitForSelector('text=h264');
  await page.selectOption('select[name=kind]', 'http-flv');
  await page.click('#play');
  await playsOn();
  // The player shows in the viewer list; kick it.
  const row = page.locator('tr', { hasText: 'http-flv' });
  await row.waitFor({ timeout: 10_000 });
  const id = await row.locator('[data-kick]').getAttribute('data-kick');
  assert.ok(id);
  await shoot('stream');
  noErrors('the stream page');
  await row.locator('[data-kick]').click();
  await page.waitForSelector(`text=kicked http-flv session ${id}`);
  await page.waitForFunction((kicked) => !document.querySelector(`[data-kick="${kicked}"]`), id, { timeout: 10_000 });
  const clients = (await (await fetch(`http://127.0.0.1:${server.apiPort}/api/v1/clients/?count=100`)).json()) as { clients: Array<{ id: string }> };
  assert.ok(!clients.clients.some((client) => client.id === id), 'the kicked player is gone from /api/v1/clients/');
  assert.ok(clients.clients.length >= 2, 'both publishers stay');
  // The player tells on the page that its connection ended; the only console line is Chromium's
  // own note of the response cut short.
  await page.waitForSelector('.player .notice.error:has-text("player: NetworkError")');
  assert.deepEqual(errors.splice(0).filter((e) => !e.includes('ERR_INCOMPLETE_CHUNKED_ENCODING')), []);
});

test('stream page: a live HLS player', async () => {
  await page.goto(consoleUrl('#/'));
  await page.click('a:has-text("/live/cam")');
  await page.waitForSelector('option[value=hls]:not([disabled])', { state: 'attached' });
  await page.selectOption('select[name=kind]', 'hls');
  await page.click('#play');
  await playsOn();
  noErrors('the HLS player');
});

test('callbacks: receivers, the delivery log, replay against the receiver, the test event', async () => {
  await page.goto(consoleUrl('#/callbacks'));
  await page.waitForSelector(`text=${receiver.url('/hooks/on_publish')}`);
  const first = page.locator('[data-replay]').last();
  await first.waitFor();
  const seq = await first.getAttribute('data-replay');
  const before = receiver.requests.length;
  await first.click();
  await page.waitForSelector(`text=replayed #${seq} as`);
  assert.equal(receiver.requests.length, before + 1);
  const original = receiver.requests.find((r) => r.url === '/hooks/on_publish')!;
  assert.equal(receiver.requests.at(-1)!.body, original.body);
  await page.waitForSelector(`text=replay of #${seq}`);

  await page.fill('#callback-test input[name=url]', receiver.url('/probe'));
  await page.click('#callback-test button');
  await page.waitForSelector('text=/^OK:/');
  assert.ok(receiver.requests.some((r) => r.url === '/probe'));
  await page.fill('#delivery-filters input[name=event]', 'on_publish');
  await page.fill('#delivery-filters input[name=url]', receiver.url('/hooks/on_publish'));
  await page.click('#delivery-filters button');
  await page.waitForSelector(`text=replay of #${seq}`);
  await shoot('callbacks');
  noErrors('the callbacks page');
});

test('recordings: start and stop a record task, its file listed with play and download', async () => {
  await page.goto(consoleUrl('#/recordings'));
  await page.fill('#record-start input[name=stream]', 'cam');
  await page.click('#record-start button');
  const stop = page.locator('[data-stop]');
  await stop.waitFor();
  const id = await stop.getAttribute('data-stop');
  await new Promise((resolve) => setTimeout(resolve, 3000)); // some media in the file
  await stop.click();
  await page.waitForSelector('text=stopped live/cam');
  const download = page.locator(`a[href$="/record/${id}.mp4"]`);
  await download.waitFor({ timeout: 15_000 });
  const file = await fetch((await download.getAttribute('href'))!);
  assert.equal(file.status, 200);
  assert.ok((await file.arrayBuffer()).byteLength > 10_000);
  // The DVR file under the HTTP server's directory plays too.
  await page.locator('tr', { hasText: 'dvr' }).locator('button:has-text("Play")').click();
  await page.waitForFunction(() => (document.querySelector('video.recording') as HTMLVideoElement | null)?.readyState! >= 2, undefined, { timeout: 15_000 });
  await shoot('recordings');
  noErrors('the recordings page');
});

test('relays: a restream target added in the console goes live, is disabled and enabled again', async () => {
  await page.goto(consoleUrl('#/relays'));
  await page.fill('#target-add input[name=name]', 'Loopback');
  await page.fill('#target-add input[name=stream]', 'cam');
  await page.fill('#target-add input[name=server]', `rtmp://127.0.0.1:${server.rtmpPort}/copy`);
  await page.fill('#target-add input[name=key]', 'console-key');
  await page.click('#target-add button');
  const row = page.locator('tr', { hasText: 'Loopback' });
  await row.locator('td', { hasText: /^live$/ }).waitFor({ timeout: 15_000 });
  await server.waitForLog((line) => line.msg === 'publish start' && line.stream === 'copy/console-key');
  assert.ok(!(await page.content()).includes('console-key'), 'the key is not shown');
  await shoot('relays');
  await row.locator('[data-toggle]').click();
  await row.locator('td', { hasText: /^disabled$/ }).waitFor();
  await row.locator('[data-toggle]').click();
  await row.locator('td', { hasText: /^live$/ }).waitFor({ timeout: 15_000 });
  noErrors('the relays page');
});

test('config: the effective config, credentials redacted, and a reload button the raw API allows', async () => {
  await page.goto(consoleUrl('#/config'));
  await page.waitForSelector('pre.config');
  const text = await page.textContent('pre.config') ?? '';
  assert.ok(text.includes('<redacted>') && !text.includes(TOKEN));
  await page.waitForSelector('#reload');
  await shoot('config');
  noErrors('the config page');
});

test('the healthy stream played on throughout, and the console is served only under /console/', async () => {
  const streams = (await (await fetch(`http://127.0.0.1:${server.apiPort}/api/sluice/v1/streams`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { streams: Array<{ url: string; publishing: boolean }> };
  assert.ok(streams.streams.some((s) => s.url === '/live/other' && s.publishing));
  const redirect = await fetch(`http://127.0.0.1:${server.apiPort}/console`, { redirect: 'manual' });
  assert.equal(redirect.status, 302);
  assert.equal(redirect.headers.get('location'), '/console/');
  assert.equal((await fetch(consoleUrl('nothere.js'))).status, 404);
  assert.notEqual((await fetch(consoleUrl('..%2F..%2Fpackage.json'))).status, 200);
});
