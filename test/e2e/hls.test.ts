import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodeErrors, ffprobe, playToFile, publishTestPattern, type RunningProcess } from '../support/ffmpeg.js';
import { HlsValidator } from '../support/hls-validator.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { Receiver } from '../unit/gate/support.js';

const run = promisify(execFile);
const FRAGMENT = 2;
const GOP_SECONDS = 1; // publishTestPattern: 25 fps, -g 25

let server: TestServer;
let hooks: Receiver;
let publisher: RunningProcess;
let hlsDir: string;
let dir: string;

before(async () => {
  hooks = await Receiver.start((req, res) => {
    // The hook receiver refuses players whose query says so.
    res.end(req.url === '/on_play' && req.body.includes('deny') ? '1' : '0');
  });
  hlsDir = await mkdtemp(join(tmpdir(), 'sluice-hls-e2e-'));
  dir = await mkdtemp(join(tmpdir(), 'sluice-hls-play-'));
  server = await startTestServer({
    vhosts: {
      __defaultVhost__: {
        hls: { enabled: true, hls_path: hlsDir, hls_fragment: FRAGMENT, hls_window: 10 },
        http_hooks: { enabled: true, on_play: hooks.url('/on_play'), on_hls: hooks.url('/on_hls') },
      },
    },
  });
  publisher = publishTestPattern(server.rtmpUrl('live/cam?token=abc'), 40, { size: '320x240' });
  await server.waitForLog((line) => line.msg === 'publish start');
});

after(async () => {
  await publisher.stop();
  await server.close();
  await hooks.close();
  await rm(hlsDir, { recursive: true, force: true });
  await rm(dir, { recursive: true, force: true });
});

/** Opens a viewer session: returns the media playlist URL from the master playlist. */
async function openSession(query = ''): Promise<string> {
  let response = await fetch(server.httpUrl(`live/cam.m3u8${query}`));
  // The playlist exists once the first segment is written.
  for (let tries = 0; response.status === 404 && tries < 20; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    response = await fetch(server.httpUrl(`live/cam.m3u8${query}`));
  }
  assert.equal(response.status, 200);
  const master = await response.text();
  assert.match(master, /^#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,AVERAGE-BANDWIDTH=1\n\/live\/cam\.m3u8\?hls_ctx=[0-9a-z]+\n$/);
  return server.httpUrl(master.split('\n')[2]!.slice(1));
}

/** Segment names and durations of the media playlist, once it lists at least `count`. */
async function waitForSegments(mediaUrl: string, count: number): Promise<Array<{ name: string; duration: number }>> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const text = await (await fetch(mediaUrl)).text();
    const lines = text.split('\n');
    const segments = lines.flatMap((line, i) =>
      line.startsWith('#EXTINF:') ? [{ duration: Number(line.slice(8).split(',')[0]), name: lines[i + 1]!.split('?')[0]! }] : [],
    );
    if (segments.length >= count) return segments;
    if (Date.now() > deadline) throw new Error(`playlist has ${segments.length} segments:\n${text}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

test('every segment is H.264 + AAC, decodes cleanly, lasts hls_fragment within a GOP, and continues the last', async () => {
  const media = await openSession();
  const segments = await waitForSegments(media, 4);
  let previousEnd: number | undefined;
  for (const segment of segments) {
    const file = join(hlsDir, 'live', segment.name);
    const probe = await ffprobe(file);
    assert.deepEqual(probe.streams.map((s) => s.codec_name).sort(), ['aac', 'h264'], segment.name);
    assert.equal(await decodeErrors(file), '', `${segment.name} decodes without errors`);
    assert.ok(Math.abs(segment.duration - FRAGMENT) <= GOP_SECONDS, `${segment.name}: ${segment.duration} s`);
    const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', 'v', '-show_entries', 'packet=dts_time', '-of', 'csv=p=0', file]);
    const times = stdout.split('\n').filter((line) => line.trim() !== '').map((line) => parseFloat(line));
    if (previousEnd !== undefined) {
      // The first frame of a segment follows the last frame of the one before (25 fps: 40 ms).
      assert.ok(Math.abs(times[0]! - previousEnd - 0.04) < 0.005, `${segment.name} starts at ${times[0]} after ${previousEnd}`);
    }
    previousEnd = times.at(-1)!;
  }
});

test('the playlist and segments pass the strict validator over successive reloads', async () => {
  const validator = new HlsValidator({ waitKeyframe: true, video: true });
  const media = await openSession('?validator=1');
  const start = (await validator.reload(media)).mediaSequence;
  await validator.reloadUntil(media, (playlist) => playlist.mediaSequence >= start + 2);
});

test('on_hls reports each closed segment with SRS fields', async () => {
  const calls = await hooks.waitFor(2, (r) => r.url === '/on_hls', 20_000);
  const body = JSON.parse(calls[0]!.body) as Record<string, unknown>;
  assert.equal(body.action, 'on_hls');
  assert.equal(body.stream, 'cam');
  assert.equal(body.param, '?token=abc');
  assert.equal(body.url, `live/cam-${body.seq_no}.ts`);
  assert.equal(body.m3u8_url, 'live/cam.m3u8');
  assert.equal(body.file, join(hlsDir, `live/cam-${body.seq_no}.ts`));
  assert.equal(body.cwd, process.cwd());
  assert.ok(Math.abs(Number(body.duration) - FRAGMENT) <= GOP_SECONDS);
});

test('one on_play per viewer: later playlist and segment requests carry its hls_ctx', async () => {
  const before = hooks.requests.filter((r) => r.url === '/on_play').length;
  const media = await openSession('?viewer=1');
  const [play] = (await hooks.waitFor(before + 1, (r) => r.url === '/on_play')).slice(before);
  const body = JSON.parse(play!.body) as Record<string, unknown>;
  assert.deepEqual([body.stream, body.tcUrl, body.param, body.stream_url], ['cam.m3u8', 'http://127.0.0.1/live', '?viewer=1', '/live/cam']);
  assert.equal(body.client_id, new URL(media).searchParams.get('hls_ctx'));
  const segments = await waitForSegments(media, 1);
  const ts = await fetch(new URL(`${segments[0]!.name}?hls_ctx=${body.client_id}`, media));
  assert.equal(ts.status, 200);
  assert.equal(ts.headers.get('content-type'), 'video/MP2T');
  assert.equal(ts.headers.get('access-control-allow-origin'), '*');
  await ts.arrayBuffer();
  await waitForSegments(media, 1);
  assert.equal(hooks.requests.filter((r) => r.url === '/on_play').length, before + 1);
});

test('a viewer the hooks refuse gets 403 and no playlist', async () => {
  const response = await fetch(server.httpUrl('live/cam.m3u8?deny=1'));
  assert.equal(response.status, 403);
  assert.doesNotMatch(await response.text(), /EXTM3U/);
});

test('ffmpeg plays the playlist over HTTP', async () => {
  const file = join(dir, 'hls.ts');
  const player = playToFile(server.httpUrl('live/cam.m3u8'), 4, file);
  assert.equal(await player.exited, 0, player.stderr());
  const probe = await ffprobe(file);
  assert.deepEqual(probe.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
  assert.ok(Number(probe.format.duration) >= 3.5, `duration ${probe.format.duration}`);
});
