import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adtsHeader, readAdtsConfig } from '../../src/codecs/adts.js';
import { Stream, type Publisher, type StreamEvents } from '../../src/hub/stream.js';
import type { MediaFrame } from '../../src/media/frame.js';
import { silentLogger } from '../../src/util/logger.js';
import { OpusBridges, OpusIngest, type AudioPacket } from '../../src/transcode/index.js';
import { aacTone, decodedSeconds, opusTone, pace, processExists } from '../support/audio-fixtures.js';
import { waitFor } from '../support/wait.js';

const log = silentLogger();
const AAC_MS = (1024 * 1000) / 44100;

function liveStream(): { stream: Stream; idle: () => boolean } {
  let idle = false;
  const events: StreamEvents = { published() {}, unpublished() {}, idle: () => (idle = true), gopDropped() {} };
  const stream = new Stream('v', 'live', 'bridged', { gopCache: true, gopCacheMaxFrames: 1000, queueLengthSeconds: 10, mergedWriteMs: 0 }, events);
  return { stream, idle: () => idle };
}

function publisher(): Publisher {
  return { id: 'p1', protocol: 'rtmp', session: {} as Publisher['session'], close() {} };
}

const aacFrame = (timestamp: number, header: number, data: Buffer, sequenceHeader = false): MediaFrame => ({
  kind: 'audio',
  timestamp,
  body: Buffer.concat([Buffer.from([0xaf, header]), data]),
  keyframe: false,
  sequenceHeader,
});

test('one transcoder per stream feeds every WebRTC subscriber the same Opus packets; it stops after the last leaves', async () => {
  const { config, frames } = await aacTone(4);
  const { stream, idle } = liveStream();
  const owner = publisher();
  stream.attachPublisher(owner);
  stream.push(aacFrame(0, 0, config, true));
  // Audio already in the GOP cache is the past: subscribers get live audio only.
  stream.push({ kind: 'video', timestamp: 0, body: Buffer.from([0x17, 1, 0, 0, 0]), keyframe: true, sequenceHeader: false });
  stream.push(aacFrame(0, 1, frames[0]!));

  const bridges = new OpusBridges({ log });
  const a: AudioPacket[] = [];
  const b: AudioPacket[] = [];
  const leaveA = bridges.subscribe(stream, (packet) => a.push(packet));
  const pid = await waitFor(() => bridges.statsOf(stream)?.pid, 'the transcoder to start');
  const feeding = pace(frames.slice(1, 60), AAC_MS, 1000, 10, ({ timestamp, data }) => stream.push(aacFrame(timestamp, 1, data)));
  await waitFor(() => a.length > 10, 'Opus for the first subscriber');
  const leaveB = bridges.subscribe(stream, (packet) => b.push(packet));
  await feeding;
  await waitFor(() => b.length > 10, 'Opus for the second subscriber');
  assert.equal(bridges.statsOf(stream)!.pid, pid, 'the second subscriber shares the running transcoder');
  assert.equal(a[0]!.timestamp, 1000);
  // The second subscriber joined later: it gets the same packets from where it joined.
  const joinedAt = a.findIndex((packet) => packet === b[0]);
  assert.ok(joinedAt > 0);
  assert.deepEqual(a.slice(joinedAt, joinedAt + b.length), b.slice(0, a.length - joinedAt));

  leaveA();
  assert.ok(processExists(pid), 'a subscriber remains: the transcoder keeps running');
  leaveB();
  await waitFor(() => !processExists(pid), 'the transcoder to stop after the last subscriber');
  assert.equal(bridges.statsOf(stream), undefined);
  assert.equal(stream.readers.size, 0);
  stream.detachPublisher(owner);
  assert.ok(idle(), 'the stream is released once publisher and bridge are gone');
  await bridges.close();
});

test('a new publish restarts the transcoder with its own configuration; timestamps keep going forward', async () => {
  const tone44 = await aacTone(1);
  const tone48 = await aacTone(1, 48000, 1);
  const { stream } = liveStream();
  const bridges = new OpusBridges({ log });
  const out: AudioPacket[] = [];
  bridges.subscribe(stream, (packet) => out.push(packet));

  const first = publisher();
  stream.attachPublisher(first);
  stream.push(aacFrame(0, 0, tone44.config, true));
  await pace(tone44.frames, AAC_MS, 0, 5, ({ timestamp, data }) => stream.push(aacFrame(timestamp, 1, data)));
  await waitFor(() => out.length > 20, 'Opus of the first publish');
  const pid = bridges.statsOf(stream)!.pid!;
  stream.detachPublisher(first);
  await waitFor(() => !processExists(pid), 'the first transcoder to stop with its publisher');

  const second = publisher();
  stream.attachPublisher(second);
  stream.push(aacFrame(0, 0, tone48.config, true));
  const before = out.length;
  await pace(tone48.frames, (1024 * 1000) / 48000, 0, 5, ({ timestamp, data }) => stream.push(aacFrame(timestamp, 1, data)));
  await waitFor(() => out.length > before + 20, 'Opus of the second publish');
  assert.notEqual(bridges.statsOf(stream)!.pid, pid);
  for (let i = 1; i < out.length; i++) assert.ok(out[i]!.timestamp >= out[i - 1]!.timestamp);
  await bridges.close();
  assert.equal(stream.readers.size, 0);
});

test('a stream whose audio is Opus already is passed through without a transcoder', async () => {
  const packets = await opusTone(0.5);
  const { stream } = liveStream();
  stream.attachPublisher(publisher());
  const bridges = new OpusBridges({ log });
  const out: AudioPacket[] = [];
  bridges.subscribe(stream, (packet) => out.push(packet));
  const ex = (type: number): Buffer => Buffer.concat([Buffer.from([0x90 | type]), Buffer.from('Opus')]);
  stream.push({ kind: 'audio', timestamp: 0, body: ex(0), keyframe: false, sequenceHeader: true });
  packets.forEach((packet, i) => stream.push({ kind: 'audio', timestamp: i * 20, body: Buffer.concat([ex(1), packet]), keyframe: false, sequenceHeader: false }));
  stream.flush();
  assert.equal(bridges.statsOf(stream), undefined);
  assert.deepEqual(out.map((packet) => packet.data), packets);
  await bridges.close();
});

test('a WebRTC publisher\'s Opus becomes AAC hub frames: the sequence header first, then frames that decode', async () => {
  const packets = await opusTone(2, 2);
  const frames: MediaFrame[] = [];
  const ingest = new OpusIngest({ log, channels: 2, push: (frame) => frames.push(frame) });
  await pace(packets, 20, 5000, 8, (packet) => ingest.write(packet));
  await waitFor(() => frames.length >= 90, 'AAC frames');
  await ingest.close();
  const [header, ...media] = frames;
  assert.equal(header!.sequenceHeader, true);
  assert.deepEqual([...header!.body], [0xaf, 0x00, 0x11, 0x90]); // AAC-LC, 48 kHz, stereo
  assert.equal(header!.timestamp, 5000);
  assert.ok(media.every((frame) => !frame.sequenceHeader && frame.body[0] === 0xaf && frame.body[1] === 0x01));
  for (let i = 1; i < media.length; i++) assert.ok(media[i]!.timestamp >= media[i - 1]!.timestamp);
  const config = readAdtsConfig(header!.body.subarray(2));
  const file = join(mkdtempSync(join(tmpdir(), 'sluice-ingest-')), 'ingest.aac');
  writeFileSync(file, Buffer.concat(media.flatMap((frame) => [adtsHeader(config, frame.body.length - 2), frame.body.subarray(2)])));
  const decoded = await decodedSeconds(file);
  assert.equal(decoded.errors, '');
  assert.ok(Math.abs(decoded.seconds - packets.length * 0.02) < 0.1, `decoded ${decoded.seconds} s`);
});
