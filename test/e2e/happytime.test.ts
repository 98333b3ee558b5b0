import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { CLI, startCli } from '../support/cli.js';
import { publishTestPattern, type RunningProcess } from '../support/ffmpeg.js';
import { startHealthyStream, type HealthyStream } from '../support/healthy.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { freePort } from '../support/wait.js';
import { Receiver } from '../unit/gate/support.js';

/**
 * Happytime's per-protocol notify blocks through the real server: each protocol's sessions call
 * its own receiver, and a protocol without a block calls the vhost's; then the CLI on a
 * Happytime XML config.
 */

const FIXTURE = join(import.meta.dirname, '../fixtures/happytime.xml');

let server: TestServer;
let receivers: Record<'vhost' | 'rtmp' | 'flv' | 'srt', Receiver>;
let publisher: RunningProcess;
let healthy: HealthyStream;
let hlsDir: string;

before(async () => {
  const answer = (_req: unknown, res: { end(): void }) => res.end();
  receivers = {
    vhost: await Receiver.start(answer),
    rtmp: await Receiver.start(answer),
    flv: await Receiver.start(answer),
    srt: await Receiver.start(answer),
  };
  const block = (receiver: Receiver) => ({
    on_connect: receiver.url('/connect'),
    on_publish: receiver.url('/publish'),
    on_play: receiver.url('/play'),
    on_done: receiver.url('/done'),
  });
  hlsDir = await mkdtemp(join(tmpdir(), 'sluice-happytime-hls-'));
  server = await startTestServer({
    srt_server: { enabled: true, listen: '127.0.0.1:0' },
    vhosts: {
      __defaultVhost__: {
        hls: { enabled: true, hls_path: hlsDir, hls_fragment: 1, hls_window: 10 },
        http_notify: {
          enabled: true,
          ...block(receivers.vhost),
          rtmp: block(receivers.rtmp),
          http_flv: block(receivers.flv),
          srt: { ...block(receivers.srt), notify_method: 'GET' },
        },
      },
    },
  });
  publisher = publishTestPattern(server.rtmpUrl('live/cam'), 60, { size: '320x240' });
  await server.waitForLog((line) => line.msg === 'publish start' && line.stream === 'live/cam');
  healthy = await startHealthyStream(server);
});

after(async () => {
  await healthy?.stop();
  await publisher?.stop();
  await server?.close();
  for (const receiver of Object.values(receivers ?? {})) await receiver.close();
  if (hlsDir) await rm(hlsDir, { recursive: true, force: true });
});

/** A receiver's calls as `path call protocol`, the fields read from the form body or the query. */
function calls(receiver: Receiver): string[] {
  return receiver.requests.map((r) => {
    const url = new URL(r.url, 'http://x');
    const form = r.method === 'GET' ? url.searchParams : new URLSearchParams(r.body);
    return `${url.pathname} ${form.get('call')} ${form.get('protocol')} ${form.get('name')}`;
  });
}

function runFfmpeg(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn('ffmpeg', ['-hide_banner', '-nostdin', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (data: Buffer) => (stderr = (stderr + data.toString()).slice(-4000)));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    }),
  );
}

test('an RTMP publish goes to the rtmp block, HTTP-FLV and SRT players to theirs, HLS to the vhost block', async () => {
  const flv = await runFfmpeg(['-i', server.httpUrl('live/cam.flv'), '-t', '2', '-f', 'null', '-']);
  assert.equal(flv.code, 0, flv.stderr);
  const srt = await runFfmpeg(['-i', `srt://127.0.0.1:${server.srtPort}?streamid=#!::r=live/cam,m=request`, '-t', '2', '-f', 'null', '-']);
  assert.equal(srt.code, 0, srt.stderr);
  // HLS has no block of its own: its viewer is asked about at the vhost's receiver.
  let playlist: Response | undefined;
  for (let tries = 0; tries < 100 && playlist?.status !== 200; tries++) {
    playlist = await fetch(server.httpUrl('live/cam.m3u8'));
    await playlist.arrayBuffer();
    if (playlist.status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(playlist?.status, 200);

  await receivers.flv.waitFor(1, (r) => r.url === '/done');
  await receivers.srt.waitFor(1, (r) => r.url.startsWith('/done'));
  assert.deepEqual(calls(receivers.rtmp).slice(0, 2), ['/connect connect rtmp null', '/publish publish rtmp cam']);
  assert.deepEqual(calls(receivers.flv), ['/play play httpflv cam', '/done done httpflv cam']);
  assert.deepEqual(calls(receivers.srt), ['/play play srt cam', '/done done srt cam']);
  // As SRS, an HLS viewer's stream is named as asked for.
  assert.deepEqual(calls(receivers.vhost), ['/play play hls cam.m3u8']);
  await healthy.assertServing();
});

const exec = promisify(execFile);

test('sluice -t accepts the Happytime XML fixture, warning about each element it ignores, with its line', async () => {
  const { stdout, stderr } = await exec(CLI, ['-t', '-c', FIXTURE]);
  assert.match(stdout, /happytime\.xml is valid/);
  const warnings = stderr.split('\n').filter((line) => line.startsWith('warning: '));
  assert.ok(warnings.includes(`warning: ${FIXTURE}:9 config.serverport: unknown element, ignored`), stderr);
  assert.ok(warnings.includes(`warning: ${FIXTURE}:22 config.rtsp.rtsp_over_http: unknown element, ignored`), stderr);
  assert.ok(warnings.includes(`warning: ${FIXTURE}:63 config.output: unknown element, ignored`), stderr);
  assert.equal(warnings.length, 10, stderr);
});

test('the server starts from the Happytime XML fixture and lists its notify block per protocol', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-happytime-'));
  const [rtmp, http, api, srt] = [await freePort(), await freePort(), await freePort(), await freePort()];
  // The fixture's ports, moved out of the way by environment overrides as a deployment would.
  const env = {
    ...process.env,
    SLUICE_LISTEN: `127.0.0.1:${rtmp}`,
    SLUICE_HTTP_SERVER__LISTEN: `127.0.0.1:${http}`,
    SLUICE_HTTP_API__LISTEN: `127.0.0.1:${api}`,
    SLUICE_SRT_SERVER__LISTEN: `127.0.0.1:${srt}`,
    SLUICE_DATA_DIR: dir,
  };
  const sluice = startCli(['-c', FIXTURE], { cwd: dir, env });
  const { child, exited } = sluice;
  try {
    const deadline = Date.now() + 15_000;
    // Under the default `workers`, each worker starts its own SRT and API listeners.
    while (!(sluice.output.includes('http api listening') && sluice.output.includes('srt listening')) && child.exitCode === null && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.match(sluice.output, /srt listening/, sluice.output);
    const listed = (await (await fetch(`http://127.0.0.1:${api}/api/sluice/v1/callbacks`)).json()) as {
      callbacks: Array<{ protocol?: string; enabled: boolean; events: Record<string, string[]> }>;
    };
    const byProtocol = Object.fromEntries(listed.callbacks.map((c) => [c.protocol ?? 'vhost', c]));
    assert.deepEqual(Object.keys(byProtocol).sort(), ['http_flv', 'rtmp', 'rtsp', 'srt']);
    assert.deepEqual(byProtocol.rtmp!.events.on_publish, ['http://127.0.0.1:8000/api/v1/rtmp/publish']);
    assert.deepEqual(byProtocol.http_flv!.events.on_play, ['http://127.0.0.1:8000/api/v1/httpflv/play']);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, sluice.output);
  } finally {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
});
