import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ffprobe, publishTestPattern, type RunningProcess } from '../support/ffmpeg.js';
import { HlsValidator, openHlsSession, readTsStreamTypes } from '../support/hls-validator.js';
import { startTestServer, type TestServer } from '../support/server.js';

/**
 * Real ffmpeg publishers checked by a strict RFC 8216 / MPEG-TS validator: a 10 s GOP with
 * hls_fragment 2, an audio-only stream that republishes, and MP3 audio. They run side by side,
 * so each also shows the server serving the others while it misbehaves or restarts.
 */
let server: TestServer;
let hlsDir: string;
const publishers: RunningProcess[] = [];

before(async () => {
  hlsDir = await mkdtemp(join(tmpdir(), 'sluice-hls-valid-'));
  server = await startTestServer({
    vhosts: { __defaultVhost__: { hls: { enabled: true, hls_path: hlsDir, hls_fragment: 2, hls_window: 4 } } },
  });
  publishers.push(
    publishTestPattern(server.rtmpUrl('live/longgop'), 40, { gop: 250 }),
    publishTestPattern(server.rtmpUrl('live/mp3'), 120, { audio: 'mp3' }),
  );
});

after(async () => {
  await Promise.all(publishers.map((p) => p.stop()));
  await server.close();
  await rm(hlsDir, { recursive: true, force: true });
});

const api = async (): Promise<Array<Record<string, any>>> =>
  ((await (await fetch(`http://127.0.0.1:${server.apiPort}/api/v1/streams`)).json()) as { streams: Array<Record<string, any>> }).streams;

test('a 10 s GOP with hls_fragment 2: every segment starts at a keyframe, counters run on', async () => {
  const media = await openHlsSession(server.httpUrl('live/longgop.m3u8'));
  const validator = new HlsValidator({ waitKeyframe: true, video: true });
  const playlist = await validator.reloadUntil(media, () => validator.segments.length >= 3);
  for (const segment of validator.segments.slice(0, -1)) {
    assert.ok(Math.abs(segment.duration - 10) < 0.1, `segment ${segment.seq} lasts the GOP: ${segment.duration} s`);
  }
  assert.equal(playlist.targetDuration, 10, 'the longest segment sets the target duration');
});

test('audio-only: cut by time; a republish is one discontinuity, counted once it leaves the window', async () => {
  const first = publishTestPattern(server.rtmpUrl('live/radio'), 9, { video: false });
  publishers.push(first);
  const media = await openHlsSession(server.httpUrl('live/radio.m3u8'));
  const validator = new HlsValidator({ waitKeyframe: true, video: false });
  await validator.reloadUntil(media, () => validator.segments.length >= 2);
  const durations = validator.segments.slice(0, 2).map((s) => s.duration);
  assert.ok(durations.every((d) => d >= 2 && d < 2.1), `about hls_fragment each: ${durations.join(', ')}`);
  assert.equal(await first.exited, 0, first.stderr());
  publishers.push(publishTestPattern(server.rtmpUrl('live/radio'), 20, { video: false }));
  const playlist = await validator.reloadUntil(media, (p) => p.discontinuitySequence > 0);
  assert.equal(playlist.discontinuitySequence, 1);
  assert.equal(validator.segments.filter((s) => s.discontinuity).length, 1, 'only where the second publish begins');
});

test('MP3 audio is carried (MPEG-1 audio) and described by the API; clients are players, not the muxer', async () => {
  const playlistUrl = server.httpUrl('live/mp3.m3u8');
  // The playlist is ready once the first segment is written; no viewer has a session yet.
  for (let tries = 0; (await fetch(server.httpUrl('live/mp3-0.ts'))).status !== 200 && tries < 40; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const alone = (await api()).find((s) => s.name === 'mp3')!;
  // Every SRS key is there: codecs without an AAC profile say 'Other', as SRS.
  assert.deepEqual(alone.audio, { codec: 'MP3', sample_rate: 44100, channel: 1, profile: 'Other' });
  assert.equal(alone.clients, 1, 'the publisher alone: the HLS muxer is no client');

  const media = await openHlsSession(playlistUrl);
  const validator = new HlsValidator({ waitKeyframe: true, video: true });
  const playlist = await validator.reloadUntil(media, () => validator.segments.length >= 2);
  // The newest segment: older ones may already have left the 4 s window and been deleted.
  const newest = new URL(playlist.segments.at(-1)!.uri, media);
  const segment = await fetch(newest);
  assert.equal(segment.status, 200);
  assert.deepEqual(readTsStreamTypes(Buffer.from(await segment.arrayBuffer())), [0x1b, 0x03]);
  const probe = await ffprobe(newest.href);
  assert.deepEqual(probe.streams.map((s) => s.codec_name).sort(), ['h264', 'mp3']);
  assert.equal((await api()).find((s) => s.name === 'mp3')!.clients, 2, 'publisher and one HLS viewer');
  assert.ok(!server.logs().some((line) => line.msg === 'hls leaves a track out' && line.stream === 'live/mp3'));
});
