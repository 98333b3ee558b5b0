import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { flvTagToFrame, readFlvFile } from '../../../src/formats/flv/index.js';
import { readMp4Frames } from '../../../src/formats/mp4/demuxer.js';
import type { MediaFrame } from '../../../src/media/frame.js';
import { ProtocolError } from '../../../src/util/errors.js';

const run = promisify(execFile);
const FIXTURE = fileURLToPath(new URL('../../fixtures/h264-aac-2s.flv', import.meta.url));

async function collect(frames: AsyncIterable<MediaFrame>): Promise<MediaFrame[]> {
  const out: MediaFrame[] = [];
  for await (const frame of frames) out.push(frame);
  return out;
}

test('readMp4Frames: an MP4 remuxed by ffmpeg from an FLV gives back the FLV frames (moov first or last)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-mp4-demux-'));
  try {
    // FLV's AVC end-of-sequence tag (packet type 2) has no MP4 sample.
    const flv = (await readFlvFile(FIXTURE)).map(flvTagToFrame).filter((f) => f.kind !== 'data' && !(f.kind === 'video' && f.body[1] === 2));
    for (const flags of [[], ['-movflags', '+faststart']]) {
      const file = join(dir, `clip${flags.length}.mp4`);
      await run('ffmpeg', ['-v', 'error', '-i', FIXTURE, '-c', 'copy', ...flags, file]);
      const mp4 = await collect(readMp4Frames(file));
      for (const kind of ['video', 'audio'] as const) {
        const strip = kind === 'video' ? 5 : 2;
        const a = flv.filter((f) => f.kind === kind);
        const b = mp4.filter((f) => f.kind === kind);
        assert.equal(b.length, a.length, `${kind} frames`);
        assert.deepEqual(b.map((f) => f.body.subarray(strip)), a.map((f) => f.body.subarray(strip)), `${kind} payloads`);
        assert.deepEqual(b.map((f) => [f.keyframe, f.sequenceHeader]), a.map((f) => [f.keyframe, f.sequenceHeader]));
        const times = b.map((f) => f.timestamp);
        times.slice(1).forEach((t, i) => assert.ok(t >= times[i]!, `${kind} decode order`));
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('readMp4Frames: not MP4, no moov, or a truncated file is a ProtocolError', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-mp4-demux-'));
  try {
    const whole = join(dir, 'whole.mp4');
    await run('ffmpeg', ['-v', 'error', '-i', FIXTURE, '-c', 'copy', '-movflags', '+faststart', whole]);
    const bytes = await readFile(whole);
    const cases: Array<[string, Buffer]> = [
      ['flv.mp4', await readFile(FIXTURE)],
      ['cut.mp4', bytes.subarray(0, bytes.length - 50_000)],
      ['tiny.mp4', bytes.subarray(0, 100)],
    ];
    for (const [name, data] of cases) {
      await writeFile(join(dir, name), data);
      await assert.rejects(collect(readMp4Frames(join(dir, name))), ProtocolError, name);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
