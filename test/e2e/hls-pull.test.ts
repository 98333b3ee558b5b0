import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { decodeErrors, ffprobe, playToFile, timestampsGoingBack } from '../support/ffmpeg.js';
import { startTestServer } from '../support/server.js';

const run = promisify(execFile);

/**
 * An HLS origin made of ffmpeg-written segments: `live.m3u8` is a live playlist that gains a
 * segment a second and loops the segments with a discontinuity at each pass, `master.m3u8` names
 * it as its highest variant beside a low variant that does not exist, anything else is 404.
 */
async function hlsOrigin(dir: string) {
  await run('ffmpeg', [
    '-hide_banner', '-loglevel', 'error',
    '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
    '-t', '4', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '64k',
    '-f', 'hls', '-hls_time', '1', '-hls_list_size', '0', '-hls_segment_filename', join(dir, 'seg%d.ts'), join(dir, 'vod.m3u8'),
  ]);
  const files = (await readFile(join(dir, 'vod.m3u8'), 'utf8')).split('\n').filter((line) => line.endsWith('.ts'));
  const startedAt = Date.now();
  const requests: string[] = [];
  const livePlaylist = (): string => {
    const latest = 3 + Math.floor((Date.now() - startedAt) / 1000);
    const lines = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:1', `#EXT-X-MEDIA-SEQUENCE:${latest - 3}`];
    for (let sequence = latest - 3; sequence <= latest; sequence++) {
      if (sequence > 0 && sequence % files.length === 0) lines.push('#EXT-X-DISCONTINUITY');
      lines.push('#EXTINF:1.000,', files[sequence % files.length]!);
    }
    return `${lines.join('\n')}\n`;
  };
  const master = '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=100000\nlow/missing.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=320x240\nlive.m3u8\n';
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    requests.push(path);
    if (path === '/master.m3u8') return response.end(master);
    if (path === '/live.m3u8') return response.end(livePlaylist());
    if (/^\/seg\d+\.ts$/.test(path)) {
      readFile(join(dir, path.slice(1))).then((data) => response.end(data), () => response.writeHead(404).end());
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { base, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

test('HLS pull: the highest variant of a live playlist is followed across reloads and discontinuities, published through the gate and plays over RTMP; a missing playlist is retried', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-hls-origin-'));
  const origin = await hlsOrigin(dir);
  const server = await startTestServer({
    relay: {
      retry_initial: 0.2, retry_max: 1, connect_timeout: 5,
      pull: [
        { url: `${origin.base}/master.m3u8`, app: 'live', stream: 'fromhls' },
        { url: `${origin.base}/gone.m3u8`, app: 'live', stream: 'gone' },
      ],
    },
  });
  try {
    const started = await server.waitForLog((line) => line.msg === 'publish start' && line.protocol === 'hls-pull', 15_000);
    assert.equal(started.stream, 'live/fromhls');
    const capture = join(dir, 'capture.flv');
    // 7 s cover at least one pass boundary of the 4 s loop.
    const player = playToFile(server.rtmpUrl('live/fromhls'), 7, capture);
    assert.equal(await player.exited, 0, player.stderr());
    const probe = await ffprobe(capture);
    assert.deepEqual(probe.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
    assert.ok(Number(probe.format.duration) > 5, `duration ${probe.format.duration}`);
    assert.equal(await timestampsGoingBack(capture), 0, 'no timestamp goes back across a discontinuity');
    assert.equal(await decodeErrors(capture, 6), '');
    assert.ok(origin.requests.filter((path) => path === '/live.m3u8').length >= 4, 'the live playlist was reloaded');
    assert.ok(!origin.requests.includes('/low/missing.m3u8'), 'the lower variant was not used');

    const refused = await server.waitForLog((line) => line.msg === 'pull failed, retrying' && line.stream === 'live/gone');
    assert.equal(refused.protocol, 'hls-pull');
    assert.match(String(refused.error), /answered 404/);
    assert.ok(!server.logs().some((line) => line.msg === 'publish start' && line.stream === 'live/gone'));
    const metrics = await (await fetch(`http://127.0.0.1:${server.apiPort}/metrics`)).text();
    assert.match(metrics, /sluice_relay_events_total\{kind="hls-pull",event="live"\} 1/);
    assert.match(metrics, /sluice_relay_events_total\{kind="hls-pull",event="failure"\} [1-9]/);
    assert.match(metrics, /sluice_relays\{kind="hls-pull",state="live"\} 1/);
    assert.match(metrics, /sluice_relay_bytes_total\{kind="hls-pull"\} [1-9]\d{5,}/);
  } finally {
    await server.close();
    await origin.close();
    await rm(dir, { recursive: true, force: true });
  }
});
