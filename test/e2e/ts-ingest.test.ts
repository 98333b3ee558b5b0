import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeAudioConfig, describeVideoConfig } from '../../src/codecs/describe.js';
import { TsDemuxer } from '../../src/formats/mpegts/demuxer.js';
import type { ClientSession } from '../../src/gate/types.js';
import type { Publisher, Stream } from '../../src/hub/stream.js';
import { DEFAULT_VHOST } from '../../src/config/schema.js';
import { decodeErrors, ffprobe, playToFile } from '../support/ffmpeg.js';
import { startHealthyStream, type HealthyStream } from '../support/healthy.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { waitFor } from '../support/wait.js';

// What SRT ingest will do: MPEG-TS from a real encoder, demuxed into hub frames and published.
let server: TestServer;
let healthy: HealthyStream;
let dir: string;
let hlsDir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-ts-ingest-'));
  hlsDir = await mkdtemp(join(tmpdir(), 'sluice-ts-ingest-hls-'));
  server = await startTestServer({ vhosts: { __defaultVhost__: { hls: { enabled: true, hls_path: hlsDir, hls_fragment: 1, hls_window: 10 } } } });
  healthy = await startHealthyStream(server);
});

after(async () => {
  await healthy.stop();
  await server.close();
  await rm(dir, { recursive: true, force: true });
  await rm(hlsDir, { recursive: true, force: true });
});

interface TsPublish {
  stream: Stream;
  frames(): number;
  warnings: string[];
  stop(): Promise<void>;
}

/** Runs ffmpeg writing MPEG-TS to a pipe in real time and publishes the demuxed frames as `live/{name}`. */
function publishTs(name: string, codecArgs: string[], seconds: number): TsPublish {
  const stream = server.hub.acquire(DEFAULT_VHOST, 'live', name);
  const publisher: Publisher = { id: `ts-${name}`, protocol: 'mpegts', session: { id: `ts-${name}` } as ClientSession, close: () => {} };
  assert.ok(stream.attachPublisher(publisher));
  const warnings: string[] = [];
  let count = 0;
  const demuxer = new TsDemuxer({
    onFrame: (frame) => {
      if (frame.sequenceHeader && frame.kind === 'video') stream.videoTrack = describeVideoConfig(frame.body);
      // As RTMP ingest does: codecs without a sequence header (MP3) are described from their first frame.
      if (frame.kind === 'audio' && (frame.sequenceHeader || !stream.audioTrack)) stream.audioTrack = describeAudioConfig(frame.body);
      stream.push(frame);
      count++;
    },
    onWarning: (message) => warnings.push(message),
  });
  const ffmpeg = spawn('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-re',
    '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
    '-t', String(seconds), ...codecArgs, '-g', '25', '-pix_fmt', 'yuv420p', '-f', 'mpegts', 'pipe:1',
  ], { stdio: ['ignore', 'pipe', 'inherit'] });
  ffmpeg.stdout.on('data', (chunk: Buffer) => demuxer.push(chunk));
  const exited = new Promise<void>((resolve) => ffmpeg.on('close', () => resolve()));
  return {
    stream,
    frames: () => count,
    warnings,
    async stop() {
      ffmpeg.kill('SIGINT');
      await exited;
      demuxer.end();
      stream.detachPublisher(publisher);
    },
  };
}

test('H.264 + AAC from ffmpeg as MPEG-TS plays cleanly over RTMP and HTTP-FLV; other streams are unaffected', async () => {
  const ts = publishTs('ts-h264', ['-c:v', 'libx264', '-preset', 'ultrafast', '-bf', '2', '-c:a', 'aac', '-b:a', '64k'], 30);
  await waitFor(() => ts.frames() > 30, 'demuxed frames in the hub');
  const rtmpFile = join(dir, 'rtmp.flv');
  const httpFile = join(dir, 'http.flv');
  const players = [playToFile(server.rtmpUrl('live/ts-h264'), 4, rtmpFile), playToFile(server.httpUrl('live/ts-h264.flv'), 4, httpFile)];
  const codes = await Promise.all(players.map((p) => p.exited));
  assert.deepEqual(codes, [0, 0], players.map((p) => p.stderr()).join('\n'));
  for (const file of [rtmpFile, httpFile]) {
    const probe = await ffprobe(file);
    assert.deepEqual(probe.streams.map((s) => [s.codec_type, s.codec_name]).sort(), [['audio', 'aac'], ['video', 'h264']]);
    assert.equal(probe.streams.find((s) => s.codec_type === 'video')?.width, 320);
    assert.ok(Number(probe.format.duration) >= 3, `duration ${probe.format.duration}`);
    assert.equal(await decodeErrors(file), '', `${file} decodes without errors`);
  }
  assert.deepEqual(ts.warnings, []);
  await healthy.assertServing();
  await ts.stop();
});

test('HEVC + MP3 from ffmpeg as MPEG-TS comes out of the HLS segmenter decodable', async () => {
  const ts = publishTs('ts-hevc', ['-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', '-c:a', 'libmp3lame', '-b:a', '64k'], 30);
  const streamDir = join(hlsDir, 'live');
  const segments = async () => (await readdir(streamDir).catch(() => [] as string[])).filter((f) => f.startsWith('ts-hevc-') && f.endsWith('.ts'));
  // A segment is complete once the next one has started.
  for (let tries = 0; (await segments()).length < 3; tries++) {
    assert.ok(tries < 100, 'three HLS segments within 20 s');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  // The second segment: ffmpeg sends MP3, which has no sequence header, in PES packets that lag
  // the video, so the first segment may open before the audio track is known.
  const seq = (file: string) => Number(/-(\d+)\.ts$/.exec(file)![1]);
  const segment = join(streamDir, (await segments()).sort((a, b) => seq(a) - seq(b))[1]!);
  const probe = await ffprobe(segment);
  assert.deepEqual(probe.streams.map((s) => [s.codec_type, s.codec_name]).sort(), [['audio', 'mp3'], ['video', 'hevc']]);
  assert.equal(await decodeErrors(segment), '', 'the segment decodes without errors');
  assert.deepEqual(ts.warnings, []);
  await healthy.assertServing();
  await ts.stop();
});
