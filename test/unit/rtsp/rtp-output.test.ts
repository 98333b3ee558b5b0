import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MediaFrame } from '../../../src/media/frame.js';
import type { Stream } from '../../../src/hub/stream.js';
import type { PlayTrack } from '../../../src/servers/rtsp/play-tracks.js';
import { RtpOutputs } from '../../../src/servers/rtsp/rtp-output.js';

/** A track whose frames are one RTP payload each, at their timestamp. */
function track(kind: 'video' | 'audio', clockRate: number): PlayTrack {
  return {
    kind,
    clockRate,
    sdp: { type: kind, payloadType: kind === 'video' ? 96 : 97, rtpmap: kind === 'video' ? 'H264/90000' : 'MPEG4-GENERIC/48000/2' },
    packetize: (frame) => ({ payloads: [{ payload: frame.body, marker: true }], presentationMs: frame.timestamp }),
  };
}

const frame = (kind: 'video' | 'audio', timestamp: number, keyframe = false): MediaFrame => ({ kind, timestamp, body: Buffer.from('x'), keyframe, sequenceHeader: false });

/** The interleaved channels of an encoded frame, in order (RTCP on the odd ones). */
function channels(bytes: Buffer): number[] {
  const out: number[] = [];
  for (let pos = 0; pos < bytes.length; pos += 4 + bytes.readUInt16BE(pos + 2)) out.push(bytes[pos + 1]!);
  return out;
}

test('RTP for RTSP players: every track has a sender report just before each keyframe, where players start', () => {
  const format = new RtpOutputs().of({} as Stream, [{ track: track('video', 90000), channel: 0 }, { track: track('audio', 48000), channel: 2 }]);
  assert.deepEqual(channels(format.encode(frame('video', 0, true))), [1, 3, 0]);
  assert.deepEqual(channels(format.encode(frame('audio', 10))), [2]);
  assert.deepEqual(channels(format.encode(frame('video', 40))), [0]);
  // A second of media later each track reports again; at the next keyframe both do.
  assert.deepEqual(channels(format.encode(frame('audio', 1010))), [3, 2]);
  assert.deepEqual(channels(format.encode(frame('video', 1040))), [1, 0]);
  assert.deepEqual(channels(format.encode(frame('video', 1500, true))), [1, 3, 0]);
  assert.deepEqual(channels(format.encode(frame('audio', 1510))), [2]);
});
