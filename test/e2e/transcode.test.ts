import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adtsHeader, readAdtsConfig } from '../../src/codecs/adts.js';
import { silentLogger } from '../../src/util/logger.js';
import { createAacToOpus, createOpusToAac } from '../../src/transcode/index.js';
import type { AudioPacket, AudioTranscoder } from '../../src/transcode/index.js';
import { aacTone, decodedSeconds, oggOpusFile, opusTone, pace, processExists } from '../support/audio-fixtures.js';
import { waitFor } from '../support/wait.js';

const log = silentLogger();
const dir = mkdtempSync(join(tmpdir(), 'sluice-transcode-'));

function collect(transcoder: AudioTranscoder): AudioPacket[] {
  const out: AudioPacket[] = [];
  transcoder.onOutput((packet) => out.push(packet));
  return out;
}

function assertMonotonic(out: AudioPacket[]): void {
  for (let i = 1; i < out.length; i++) assert.ok(out[i]!.timestamp >= out[i - 1]!.timestamp, `timestamp ${out[i]!.timestamp} after ${out[i - 1]!.timestamp}`);
}

test('AAC to Opus: 3 s of AAC come out as 20 ms Opus packets that decode to 3 s, on the input clock', async () => {
  const { config, frames } = await aacTone(3);
  const transcoder = createAacToOpus({ log, audioSpecificConfig: config });
  const out = collect(transcoder);
  await pace(frames, (1024 * 1000) / 44100, 10_000, 8, (packet) => transcoder.write(packet));
  await transcoder.close();
  assert.equal(transcoder.stats.framesDropped, 0);
  assertMonotonic(out);
  assert.equal(out[0]!.timestamp, 10_000);
  assert.equal(out[1]!.timestamp, 10_020);
  const file = join(dir, 'out.opus');
  writeFileSync(file, oggOpusFile(out.map((packet) => packet.data), 2));
  const decoded = await decodedSeconds(file);
  assert.equal(decoded.errors, '');
  const input = (frames.length * 1024) / 44100;
  assert.ok(Math.abs(decoded.seconds - input) / input < 0.05, `decoded ${decoded.seconds} s of ${input} s`);
  // The last packet's timestamp is where the input's clock puts it.
  assert.ok(Math.abs(out.at(-1)!.timestamp - (10_000 + decoded.seconds * 1000 - 20)) < 0.05 * input * 1000);
});

test('Opus to AAC: 3 s of Opus come out as AAC-LC 48 kHz frames that decode to 3 s, on the input clock', async () => {
  const packets = await opusTone(3, 2);
  const transcoder = createOpusToAac({ log, channels: 2 });
  assert.deepEqual(readAdtsConfig(transcoder.outputConfig!), { profile: 1, samplingIndex: 3, channelConfig: 2 });
  const out = collect(transcoder);
  await pace(packets, 20, 777, 8, (packet) => transcoder.write(packet));
  await transcoder.close();
  assertMonotonic(out);
  assert.equal(out[0]!.timestamp, 777);
  const config = readAdtsConfig(transcoder.outputConfig!);
  const file = join(dir, 'out.aac');
  writeFileSync(file, Buffer.concat(out.flatMap((frame) => [adtsHeader(config, frame.data.length), frame.data])));
  const decoded = await decodedSeconds(file);
  assert.equal(decoded.errors, '');
  const input = packets.length * 0.02;
  assert.ok(Math.abs(decoded.seconds - input) / input < 0.05, `decoded ${decoded.seconds} s of ${input} s`);
});

test('a killed ffmpeg is restarted and output resumes, timestamps still monotonic; writes meanwhile never throw', async () => {
  const { config, frames } = await aacTone(6);
  const transcoder = createAacToOpus({ log, audioSpecificConfig: config });
  const out = collect(transcoder);
  let killed = false;
  let atKill = 0;
  const first = transcoder.stats.pid!;
  await pace(frames, (1024 * 1000) / 44100, 0, 10, (packet) => {
    if (!killed && out.length > 20) {
      killed = true;
      atKill = out.length;
      process.kill(first, 'SIGKILL');
    }
    transcoder.write(packet);
  });
  assert.ok(killed);
  await waitFor(() => transcoder.stats.restarts === 1 && out.length > atKill + 20, 'output after the restart');
  assert.notEqual(transcoder.stats.pid, first);
  assert.ok(transcoder.stats.framesDropped > 0, 'frames written while ffmpeg was down are dropped and counted');
  assertMonotonic(out);
  await transcoder.close();
  assert.equal(processExists(first), false);
});

test('close() ends ffmpeg and leaves no process behind', async () => {
  const { config, frames } = await aacTone(1);
  const transcoder = createAacToOpus({ log, audioSpecificConfig: config });
  const pid = transcoder.stats.pid!;
  for (const data of frames.slice(0, 10)) transcoder.write({ timestamp: 0, data });
  await transcoder.close();
  assert.equal(processExists(pid), false);
  assert.equal(transcoder.stats.pid, undefined);
  transcoder.write({ timestamp: 0, data: frames[11]! }); // after close: ignored, no throw
  await transcoder.close();
});

test('a missing ffmpeg binary is logged, writes are dropped without throwing, close resolves', async () => {
  const transcoder = createOpusToAac({ log, channels: 1, ffmpegPath: join(dir, 'no-such-ffmpeg') });
  const packets = await opusTone(0.2, 1);
  for (const data of packets) transcoder.write({ timestamp: 0, data });
  await waitFor(() => transcoder.stats.framesDropped > 0, 'dropped input');
  await transcoder.close();
});
