import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MediaFrame } from '../../../src/media/frame.js';
import { Mp4Muxer, mp4Tracks } from '../../../src/formats/mp4/index.js';
import { truncateIncompleteFragments } from '../../../src/recorder/repair.js';
import { find, findAll, walk, type Box } from './walker.js';

const avcC = readFileSync(new URL('../../fixtures/h264-baseline-640x360.avcc', import.meta.url));

const frame = (kind: 'video' | 'audio', timestamp: number, body: Buffer, flags: Partial<MediaFrame> = {}): MediaFrame => ({
  kind, timestamp, body, keyframe: false, sequenceHeader: false, ...flags,
});
const videoHeader = frame('video', 0, Buffer.concat([Buffer.from([0x17, 0, 0, 0, 0]), avcC]), { keyframe: false, sequenceHeader: true });
const audioHeader = frame('audio', 0, Buffer.from([0xaf, 0, 0x12, 0x10]), { sequenceHeader: true });
/** An H.264 frame: FLV video header with a 24-bit composition time, then one 4-byte NAL. */
const picture = (ts: number, key: boolean, cts = 0): MediaFrame => {
  const body = Buffer.from([key ? 0x17 : 0x27, 1, 0, 0, 0, 0, 0, 0, 1, key ? 0x65 : 0x41]);
  body.writeIntBE(cts, 2, 3);
  return frame('video', ts, body, { keyframe: key });
};
const aac = (ts: number) => frame('audio', ts, Buffer.from([0xaf, 1, 0x21, 0x00]));

/** trun entries of a track in a fragment: [duration, size, flags, composition offset]. */
function samples(moof: Box, trackId: number): { base: bigint; entries: number[][] } {
  const traf = findAll(moof.children, 'traf').find((t) => t.children[0]!.payload.readUInt32BE(4) === trackId)!;
  const trun = find(traf.children, 'trun').payload;
  const entries: number[][] = [];
  for (let i = 0; i < trun.readUInt32BE(4); i++) {
    const at = 12 + i * 16;
    entries.push([trun.readUInt32BE(at), trun.readUInt32BE(at + 4), trun.readUInt32BE(at + 8), trun.readInt32BE(at + 12)]);
  }
  return { base: find(traf.children, 'tfdt').payload.readBigUInt64BE(4), entries };
}

function mux(frames: MediaFrame[], headers: Array<MediaFrame | undefined> = [videoHeader, audioHeader]): Buffer {
  const muxer = new Mp4Muxer(mp4Tracks(headers[0], headers[1]));
  const out = [muxer.init()];
  for (const f of frames) out.push(muxer.push(f, f.timestamp) ?? Buffer.alloc(0));
  out.push(muxer.end() ?? Buffer.alloc(0));
  return Buffer.concat(out);
}

test('tracks come from the sequence headers: avc1 640x360 at 1000 Hz, mp4a at the sample rate', () => {
  const [video, audio] = mp4Tracks(videoHeader, audioHeader);
  assert.deepEqual([video!.id, video!.codec, video!.timescale, video!.width, video!.height], [1, 'avc1', 1000, 640, 360]);
  assert.deepEqual([audio!.id, audio!.codec, audio!.timescale, audio!.channels], [2, 'mp4a', 44100, 2]);
  assert.deepEqual(mp4Tracks(undefined, audioHeader).map((t) => [t.id, t.kind]), [[1, 'audio']]);
  const mp3 = frame('audio', 0, Buffer.from([0x2f, 0xff]), { sequenceHeader: true });
  assert.deepEqual(mp4Tracks(undefined, mp3), [], 'codecs MP4 cannot carry here give no track');
});

test('one fragment per GOP, starting at the keyframe; durations from timestamp deltas; CTS as signed offsets', () => {
  const frames = [picture(0, true, 80), picture(40, false, -40), picture(80, false), picture(130, true), picture(170, false)];
  const boxes = walk(mux(frames, [videoHeader, undefined]));
  assert.deepEqual(boxes.map((b) => b.type), ['ftyp', 'moov', 'moof', 'mdat', 'moof', 'mdat']);
  const first = samples(boxes[2]!, 1);
  assert.equal(first.base, 0n);
  assert.deepEqual(first.entries, [[40, 5, 0x02000000, 80], [40, 5, 0x01010000, -40], [50, 5, 0x01010000, 0]]);
  const second = samples(boxes[4]!, 1);
  assert.equal(second.base, 130n, 'decode time = sum of the earlier durations');
  assert.deepEqual(second.entries.map((e) => [e[0], e[2]]), [[40, 0x02000000], [40, 0x01010000]], 'last sample: previous delta');
});

test('audio durations snap to 1024 samples despite millisecond rounding; the pending sample moves to the next fragment', () => {
  const frames = [picture(0, true), aac(0), aac(23), aac(46), aac(70), picture(93, true), aac(93)];
  const boxes = walk(mux(frames));
  const first = samples(boxes[2]!, 2);
  assert.deepEqual(first.entries.map((e) => e[0]), [1024, 1024, 1024]);
  const second = samples(boxes[4]!, 2);
  assert.equal(second.base, 3072n);
  assert.deepEqual(second.entries.map((e) => e[0]), [1024, 1024]);
});

test('audio only: fragments every second of media', () => {
  const frames = Array.from({ length: 130 }, (_, i) => aac(Math.round((i * 1024 * 1000) / 44100)));
  const boxes = walk(mux(frames, [undefined, audioHeader]));
  const moofs = findAll(boxes, 'moof');
  assert.ok(moofs.length >= 3, `${moofs.length} fragments for 3 s`);
  const total = moofs.reduce((sum, m) => sum + samples(m, 1).entries.length, 0);
  assert.equal(total, 130);
});

test('repair cuts an interrupted fragment and leaves whole files alone', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-mp4-'));
  try {
    const whole = mux([picture(0, true), picture(40, false), picture(80, true), picture(120, false)], [videoHeader, undefined]);
    const file = join(dir, 'a.mp4');
    await writeFile(file, whole);
    assert.equal(await truncateIncompleteFragments(file), 0);
    const lastMoof = findAll(walk(whole), 'moof').at(-1)!.offset;
    for (const cut of [whole.length - 3, lastMoof + 20, lastMoof + 4]) {
      await writeFile(file, whole.subarray(0, cut));
      assert.equal(await truncateIncompleteFragments(file), cut - lastMoof);
      assert.equal((await stat(file)).size, lastMoof);
      walk(await readFile(file)); // whole boxes only
    }
    await writeFile(file, Buffer.from('not an mp4 at all'));
    assert.equal(await truncateIncompleteFragments(file), 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
