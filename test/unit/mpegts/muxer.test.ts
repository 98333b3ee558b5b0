import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32Mpeg } from '../../../src/formats/mpegts/crc32.js';
import { TsFrameWriter } from '../../../src/formats/mpegts/frame-writer.js';
import { TsMuxer } from '../../../src/formats/mpegts/muxer.js';
import { writeTimestamp } from '../../../src/formats/mpegts/pes.js';
import { patPacket } from '../../../src/formats/mpegts/psi.js';
import { flvTagToFrame, readFlvFile } from '../../../src/formats/flv/index.js';
import { decodeErrors, ffprobe } from '../../support/ffmpeg.js';
import { readTimestamp, readTs } from './ts-reader.js';

const FIXTURE = new URL('../../fixtures/h264-aac-2s.flv', import.meta.url).pathname;

test('CRC-32/MPEG-2 matches the standard check value', () => {
  assert.equal(crc32Mpeg(Buffer.from('123456789')), 0x0376e6e7);
});

test('the PAT is the well-known one for program 1 on PMT PID 0x1001', () => {
  const pat = patPacket(0);
  assert.equal(pat.length, 188);
  const head = [0x47, 0x40, 0x00, 0x10, 0x00, 0x00, 0xb0, 0x0d, 0x00, 0x01, 0xc1, 0x00, 0x00, 0x00, 0x01, 0xf0, 0x01];
  assert.deepEqual([...pat.subarray(0, 17)], head);
  assert.equal(crc32Mpeg(pat, 5, 21), 0, 'the CRC over the section and its CRC is 0');
  assert.ok(pat.subarray(21).every((b) => b === 0xff), 'padded with 0xFF');
});

test('PTS/DTS use the 5-byte layout with marker bits, over all 33 bits', () => {
  const b = Buffer.alloc(5);
  writeTimestamp(b, 0, 0x2, 0);
  assert.deepEqual([...b], [0x21, 0x00, 0x01, 0x00, 0x01]);
  writeTimestamp(b, 0, 0x3, 2 ** 33 - 1);
  assert.deepEqual([...b], [0x3f, 0xff, 0xff, 0xff, 0xff]);
  for (const ticks of [1, 90_000, 2 ** 30, 2 ** 32 + 12345, 8_589_934_000]) {
    writeTimestamp(b, 0, 0x1, ticks);
    assert.equal(readTimestamp(b, 0), ticks);
  }
});

test('a video keyframe carries PCR, random access, PTS and DTS; audio only PTS', () => {
  const muxer = new TsMuxer({ video: 'H264', audio: 'AAC' });
  const tables = readTs(Buffer.concat(muxer.tables()));
  assert.equal(tables.pmtPid, 0x1001);
  assert.equal(tables.pcrPid, 0x100);
  assert.deepEqual(tables.streams, [{ pid: 0x100, streamType: 0x1b }, { pid: 0x101, streamType: 0x0f }]);

  const frame = Buffer.alloc(1000, 7);
  const ts = Buffer.concat([...muxer.tables(), muxer.video([frame], 90_000, 93_600, true), muxer.audio([Buffer.alloc(50, 1)], 91_000)]);
  const { pes } = readTs(ts);
  assert.equal(pes.length, 2);
  const [video, audio] = pes as [typeof pes[0], typeof pes[0]];
  assert.deepEqual({ ...video, payload: video.payload.length }, {
    pid: 0x100, streamId: 0xe0, pts: 93_600, dts: 90_000, pcr: 90_000, randomAccess: true, payload: 1000,
  });
  assert.deepEqual({ ...audio, payload: audio.payload.length }, {
    pid: 0x101, streamId: 0xc0, pts: 91_000, dts: 91_000, pcr: undefined, randomAccess: false, payload: 50,
  });
});

test('without video the PCR rides on the audio PID', () => {
  const muxer = new TsMuxer({ audio: 'AAC' });
  const parsed = readTs(Buffer.concat([...muxer.tables(), muxer.audio([Buffer.alloc(300)], 1234)]));
  assert.equal(parsed.pcrPid, 0x101);
  assert.equal(parsed.pes[0]!.pcr, 1234);
});

test('payload sizes around packet boundaries fill packets exactly', () => {
  for (let size = 0; size < 600; size++) {
    const muxer = new TsMuxer({ video: 'H264' });
    const out = muxer.video([Buffer.alloc(size, 1), Buffer.alloc(size % 7, 2)], 0, 0, size % 2 === 0);
    const { pes } = readTs(out);
    assert.equal(pes[0]!.payload.length, size + (size % 7), `size ${size}`);
  }
});

test('the FLV fixture becomes a transport stream that ffmpeg decodes without errors', async () => {
  const writer = new TsFrameWriter();
  const parts: Buffer[] = [];
  let started = false;
  for (const tag of await readFlvFile(FIXTURE)) {
    const frame = flvTagToFrame(tag);
    if (frame.kind === 'data') continue;
    if (frame.sequenceHeader) {
      writer.configure(frame);
      continue;
    }
    if (!started) {
      if (!frame.keyframe) continue;
      parts.push(...writer.start());
      started = true;
    }
    const bytes = writer.encode(frame);
    if (bytes) parts.push(bytes);
  }
  const ts = Buffer.concat(parts);
  const parsed = readTs(ts);
  const video = parsed.pes.filter((p) => p.pid === 0x100);
  const audio = parsed.pes.filter((p) => p.pid === 0x101);
  assert.ok(video.length > 10 && audio.length > 10);
  // Annex B with an AUD first, and SPS + PPS before the keyframe.
  const first = video[0]!.payload;
  assert.deepEqual([...first.subarray(0, 6)], [0, 0, 0, 1, 0x09, 0xf0]);
  assert.equal(first[10]! & 0x1f, 7, 'SPS after the AUD');
  assert.ok(video[0]!.randomAccess);
  // ADTS sync word on every audio frame.
  for (const a of audio) assert.equal(a.payload.readUInt16BE(0) & 0xfff6, 0xfff0);

  const dir = mkdtempSync(join(tmpdir(), 'sluice-ts-'));
  try {
    const file = join(dir, 'out.ts');
    writeFileSync(file, ts);
    const probe = await ffprobe(file);
    assert.deepEqual(probe.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
    assert.equal(await decodeErrors(file), '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
