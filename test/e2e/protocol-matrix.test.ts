import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeErrors, ffprobe, playToFile, publishTestPattern, startGap, type RunningProcess } from '../support/ffmpeg.js';
import { startHealthyStream, type HealthyStream } from '../support/healthy.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { waitFor } from '../support/wait.js';

/** Every ingest protocol against every playback protocol, all on one server at once. */

let server: TestServer;
let healthy: HealthyStream;
let dir: string;
const publishers: RunningProcess[] = [];

const PLAY_SECONDS = 4;

const srtUrl = (streamId: string): string => `srt://127.0.0.1:${server.srtPort}?streamid=${streamId}`;
const rtspUrl = (path: string): string => `rtsp://127.0.0.1:${server.rtspPort}/${path}`;

/** How each source is published: stream name and the ffmpeg publisher. */
const sources: Record<string, { name: string; publish: () => RunningProcess }> = {
  RTMP: { name: 'from-rtmp', publish: () => publishTestPattern(server.rtmpUrl('live/from-rtmp'), 120) },
  SRT: {
    name: 'from-srt',
    publish: () => publishTestPattern(`${srtUrl('#!::r=live/from-srt,m=publish')}&latency=200000`, 120, { container: 'mpegts' }),
  },
  RTSP: { name: 'from-rtsp', publish: () => publishTestPattern(rtspUrl('live/from-rtsp'), 120, { container: 'rtsp' }) },
};

/** How each player reads stream `name` into `file` (the extension picks ffmpeg's container). */
const players: Record<string, (name: string, file: string) => RunningProcess> = {
  RTMP: (name, file) => playToFile(server.rtmpUrl(`live/${name}`), PLAY_SECONDS, `${file}.flv`),
  'HTTP-FLV': (name, file) => playToFile(server.httpUrl(`live/${name}.flv`), PLAY_SECONDS, `${file}.flv`),
  HLS: (name, file) => playToFile(server.httpUrl(`live/${name}.m3u8`), PLAY_SECONDS, `${file}.ts`),
  SRT: (name, file) => playToFile(srtUrl(`#!::r=live/${name},m=request`), PLAY_SECONDS, `${file}.ts`),
  'RTSP/TCP': (name, file) => playToFile(rtspUrl(`live/${name}`), PLAY_SECONDS, `${file}.ts`, ['-rtsp_transport', 'tcp', '-timeout', '15000000']),
  'RTSP/UDP': (name, file) => playToFile(rtspUrl(`live/${name}`), PLAY_SECONDS, `${file}.ts`, ['-rtsp_transport', 'udp', '-timeout', '15000000']),
};

const extensions: Record<string, string> = { RTMP: 'flv', 'HTTP-FLV': 'flv', HLS: 'ts', SRT: 'ts', 'RTSP/TCP': 'ts', 'RTSP/UDP': 'ts' };

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-matrix-'));
  server = await startTestServer({
    srt_server: { enabled: true, listen: '127.0.0.1:0' },
    rtsp_server: { enabled: true, listen: '127.0.0.1:0', rtp_port: 0 },
    vhosts: { __defaultVhost__: { hls: { enabled: true, hls_path: join(dir, 'hls'), hls_fragment: 1, hls_window: 10 } } },
  });
  for (const source of Object.values(sources)) publishers.push(source.publish());
  for (const { name } of Object.values(sources)) {
    await server.waitForLog((line) => line.msg === 'publish start' && line.stream === `live/${name}`, 30_000);
  }
  healthy = await startHealthyStream(server);
  // HLS players start a few segments back from the live edge: let every playlist fill first.
  for (const { name } of Object.values(sources)) {
    const playlist = join(dir, 'hls', 'live', `${name}.m3u8`);
    const segments = (): number => (existsSync(playlist) ? readFileSync(playlist, 'utf8').split('#EXTINF').length - 1 : 0);
    await waitFor(() => segments() >= 4, `four HLS segments of ${name}`, 30_000);
  }
});

after(async () => {
  await healthy?.stop();
  await Promise.all(publishers.map((p) => p.stop()));
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Plays one combination to its end, killing a player that hangs, and checks what it got. */
async function playAndCheck(source: string, player: string): Promise<void> {
  const base = join(dir, `${source}-to-${player.replace('/', '-')}`);
  const file = `${base}.${extensions[player]}`;
  const run = players[player]!(sources[source]!.name, base);
  const timer = setTimeout(() => void run.stop(), 60_000);
  const code = await run.exited;
  clearTimeout(timer);
  assert.equal(code, 0, run.stderr());
  const probe = await ffprobe(file);
  assert.deepEqual(probe.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
  assert.ok(Number(probe.format.duration) >= 3, `duration ${probe.format.duration} s`);
  assert.equal(await decodeErrors(file), '');
  const starts = probe.streams.map((s) => `${s.codec_type} at ${s.start_time}`).join(', ');
  assert.ok(startGap(probe) < 0.1, `audio and video start ${startGap(probe).toFixed(3)} s apart: ${starts}`);
}

// One group per source: its six plays run together, the groups one after another.
for (const source of Object.keys(sources)) {
  test(`a stream published over ${source} plays over RTMP, HTTP-FLV, HLS, SRT and RTSP (TCP and UDP)`, { concurrency: true }, async (t) => {
    await Promise.all(Object.keys(players).map((player) => t.test(`${source} → ${player}`, () => playAndCheck(source, player))));
    await healthy.assertServing();
  });
}
