import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ClientSession } from '../../src/gate/types.js';
import { describeAudioConfig } from '../../src/codecs/describe.js';
import type { EncodedFrame, MediaFrame } from '../../src/media/frame.js';
import type { StreamReader } from '../../src/hub/reader.js';
import type { Publisher } from '../../src/hub/stream.js';
import { OpusBridges, OpusIngest, type AudioPacket } from '../../src/transcode/index.js';
import { silentLogger } from '../../src/util/logger.js';
import { decodedSeconds, oggOpusFile, opusTone } from '../support/audio-fixtures.js';
import { publishTestPattern } from '../support/ffmpeg.js';
import { startTestServer } from '../support/server.js';
import { waitFor } from '../support/wait.js';

const run = promisify(execFile);

/** A reader that notes the timestamps of the live AAC frames (not the GOP cache's) the stream carries. */
function aacTimestamps(): StreamReader & { timestamps: number[]; live: boolean } {
  const timestamps: number[] = [];
  return {
    id: 'aac-timestamps',
    internal: true,
    timestamps,
    live: false,
    enqueue(frame: EncodedFrame) {
      if (this.live && frame.kind === 'audio' && !frame.sequenceHeader) timestamps.push(frame.timestamp);
      return false;
    },
    flush: () => {},
    resync: () => {},
  };
}

test('an RTMP publisher\'s AAC comes out of the bridge as Opus on the stream\'s clock, while a second stream plays untouched', async () => {
  // The bridge feeds WebRTC players: an RTMP publish reaches it through SRS's rtmp_to_rtc.
  const server = await startTestServer({ vhosts: { __defaultVhost__: { rtc: { enabled: true, rtmp_to_rtc: true } } } });
  const bridges = new OpusBridges({ log: silentLogger() });
  const bridged = publishTestPattern(server.rtmpUrl('live/bridged'), 6);
  const healthy = publishTestPattern(server.rtmpUrl('live/healthy'), 6);
  try {
    const stream = await waitFor(() => server.hub.list().find((s) => s.name === 'bridged'), 'the stream');
    await waitFor(() => stream.sequenceHeaders.audio, 'the AAC sequence header');
    const aac = aacTimestamps();
    stream.addReader(aac);
    aac.live = true;
    const opus: AudioPacket[] = [];
    const leave = bridges.subscribe(stream, (packet) => opus.push(packet));
    await waitFor(() => opus.length >= 100, '2 s of Opus', 20_000);
    leave();

    for (let i = 1; i < opus.length; i++) assert.ok(opus[i]!.timestamp >= opus[i - 1]!.timestamp);
    // Every packet lies where the AAC it was made from lay on the stream's clock.
    const first = aac.timestamps[0]!;
    const last = aac.timestamps.at(-1)!;
    assert.ok(opus[0]!.timestamp >= first - 30 && opus[0]!.timestamp <= first + 30, `first Opus at ${opus[0]!.timestamp}, first AAC at ${first}`);
    assert.ok(opus.at(-1)!.timestamp <= last + 60, `last Opus at ${opus.at(-1)!.timestamp}, last AAC at ${last}`);
    const file = join(mkdtempSync(join(tmpdir(), 'sluice-rtmp-opus-')), 'bridged.opus');
    writeFileSync(file, oggOpusFile(opus.map((packet) => packet.data), 2));
    const decoded = await decodedSeconds(file);
    assert.equal(decoded.errors, '');
    assert.ok(Math.abs(decoded.seconds - opus.length * 0.02) < 0.05);

    const other = server.hub.list().find((s) => s.name === 'healthy');
    assert.ok(other && other.framesIn > 0 && other.publisher, 'the other stream keeps publishing');
    stream.removeReader(aac);
  } finally {
    await bridges.close();
    await Promise.all([bridged.stop(), healthy.stop()]);
    await server.close();
  }
});

test('Opus from a WebRTC publisher, turned into AAC hub frames, plays over RTMP as AAC that decodes cleanly', async () => {
  // A WebRTC publish reaches RTMP players only through SRS's bridge.
  const server = await startTestServer({ vhosts: { __defaultVhost__: { rtc: { enabled: true, rtc_to_rtmp: true } } } });
  const stream = server.hub.acquire('__defaultVhost__', 'live', 'from-webrtc');
  const session = { id: 'w1', protocol: 'webrtc', ip: '127.0.0.1', vhost: '__defaultVhost__', app: 'live', stream: 'from-webrtc', param: '' } as unknown as ClientSession;
  const publisher: Publisher = { id: 'w1', protocol: 'webrtc', session, close() {} };
  assert.ok(stream.attachPublisher(publisher));
  // As an ingest session does: the sequence header describes the stream's audio track.
  const push = (frame: MediaFrame): void => {
    if (frame.sequenceHeader) stream.audioTrack = describeAudioConfig(frame.body);
    stream.push(frame);
  };
  const ingest = new OpusIngest({ log: silentLogger(), channels: 2, push });
  const packets = await opusTone(10, 2);
  let stopped = false;
  const feeding = (async () => {
    for (let i = 0; i < packets.length && !stopped; i++) {
      ingest.write({ timestamp: i * 20, data: packets[i]! });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  try {
    await waitFor(() => stream.sequenceHeaders.audio, 'the AAC sequence header');
    assert.deepEqual(stream.audioTrack, { codec: 'AAC', profile: 'LC', sampleRate: 48000, channels: 2 });
    const { stdout, stderr } = await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', server.rtmpUrl('live/from-webrtc'), '-t', '2', '-ac', '1', '-ar', '48000', '-f', 's16le', 'pipe:1'], { encoding: 'buffer', maxBuffer: 16 * 1024 * 1024, timeout: 30_000 });
    assert.equal(stderr.toString(), '');
    assert.ok(Math.abs(stdout.length / 2 / 48000 - 2) < 0.1, `decoded ${stdout.length / 2 / 48000} s`);
  } finally {
    stopped = true;
    await feeding;
    await ingest.close();
    stream.detachPublisher(publisher);
    await server.close();
  }
});
