import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readAudioTagHeader, readVideoTagHeader } from '../../../src/codecs/inspect.js';
import type { MediaFrame } from '../../../src/media/frame.js';
import { demux } from './demux-helpers.js';

const run = promisify(execFile);

interface ProbedPacket {
  codec_type: string;
  pts_time: string;
  dts_time: string;
  flags: string;
}

/** Makes a 2 s MPEG-TS file with ffmpeg from testsrc and a sine tone. */
async function makeTs(dir: string, name: string, video: string[], audio: string[]): Promise<string> {
  const file = join(dir, name);
  await run('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', '2', ...video, '-g', '25', '-pix_fmt', 'yuv420p', ...audio, '-f', 'mpegts', file,
  ]);
  return file;
}

async function probe(file: string): Promise<ProbedPacket[]> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_packets', '-show_entries', 'packet=codec_type,pts_time,dts_time,flags', '-of', 'json', file]);
  return (JSON.parse(stdout) as { packets: ProbedPacket[] }).packets;
}

/** Compares the demuxer's frames with ffprobe's packets: counts, timestamps (to 1 ms), keyframes, CTS. */
async function compare(file: string, videoCodec: string | undefined, audioCodec: string): Promise<void> {
  const { frames, warnings } = demux(await readFile(file), [1, 4096, 4097, 60_000]);
  assert.deepEqual(warnings, []);
  const packets = await probe(file);
  const base = Math.min(...packets.map((p) => Number(p.dts_time)));
  for (const kind of ['video', 'audio'] as const) {
    const want = packets.filter((p) => p.codec_type === kind);
    const got = frames.filter((f) => f.kind === kind && !f.sequenceHeader);
    if (kind === 'video' && !videoCodec) continue;
    assert.equal(got.length, want.length, `${kind} frames`);
    got.forEach((frame, i) => {
      const p = want[i]!;
      const dts = (Number(p.dts_time) - base) * 1000;
      assert.ok(Math.abs(frame.timestamp - dts) <= 1, `${kind} ${i}: ${frame.timestamp} vs ${dts}`);
      if (kind === 'video') {
        assert.equal(frame.keyframe, p.flags.includes('K'), `keyframe ${i}`);
        const cts = Math.round((Number(p.pts_time) - Number(p.dts_time)) * 1000);
        assert.ok(Math.abs(ctsOf(frame) - cts) <= 1, `cts ${i}: ${ctsOf(frame)} vs ${cts}`);
      }
    });
    if (kind === 'video') assert.ok(got.some((f) => ctsOf(f) > 0), 'B-frames carry a composition time offset');
    const headers = frames.filter((f) => f.kind === kind && f.sequenceHeader);
    const codec = kind === 'video' ? videoCodec : audioCodec;
    const first = kind === 'video' ? readVideoTagHeader(got[0]!.body) : readAudioTagHeader(got[0]!.body);
    assert.equal(first.codec, codec);
    assert.equal(headers.length, codec === 'MP3' ? 0 : 1, `${kind} sequence headers`);
  }
}

function ctsOf(frame: MediaFrame): number {
  const header = readVideoTagHeader(frame.body);
  return frame.body.readIntBE(header.payloadOffset - 3, 3);
}

const X264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-bf', '2'];
const X265 = ['-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error:bframes=2'];

test('ffmpeg-made MPEG-TS files demux into the packets ffprobe sees', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-tsdemux-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await t.test('H.264 with B-frames + AAC', async () => {
    await compare(await makeTs(dir, 'h264-aac.ts', X264, ['-c:a', 'aac', '-b:a', '64k']), 'H264', 'AAC');
  });
  await t.test('HEVC + AAC', async () => {
    await compare(await makeTs(dir, 'hevc-aac.ts', X265, ['-c:a', 'aac', '-b:a', '64k']), 'HEVC', 'AAC');
  });
  await t.test('H.264 + MP3', async () => {
    await compare(await makeTs(dir, 'h264-mp3.ts', X264, ['-c:a', 'libmp3lame', '-b:a', '64k']), 'H264', 'MP3');
  });
  await t.test('Opus (audio only)', async () => {
    await compare(await makeTs(dir, 'opus.ts', ['-vn'], ['-c:a', 'libopus', '-b:a', '64k']), undefined, 'Opus');
  });
});
