import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Stream } from '../../../src/hub/stream.js';
import { EncodedFrame } from '../../../src/media/frame.js';
import { SrtTsOutputs } from '../../../src/servers/srt/srt-ts-output.js';
import { capturingLogger } from '../../support/log-capture.js';

const vpcc = readFileSync(new URL('../../fixtures/vp9-320x240.vpcc', import.meta.url));
const video = (body: Buffer, flags: { keyframe?: boolean; sequenceHeader?: boolean }) =>
  new EncodedFrame({ kind: 'video', timestamp: 0, body, keyframe: flags.keyframe ?? false, sequenceHeader: flags.sequenceHeader ?? false });

test('SRT players of a VP9 stream get no video, and the log says once why', () => {
  const { logger, lines } = capturingLogger();
  const stream = new Stream('__defaultVhost__', 'live', 'cam', { gopCache: true, gopCacheMaxFrames: 100, queueLengthSeconds: 10, mergedWriteMs: 0 }, { published() {}, unpublished() {}, idle() {}, gopDropped() {} });
  const format = new SrtTsOutputs(logger).of(stream);
  const header = video(Buffer.concat([Buffer.from([0x90, ...Buffer.from('vp09')]), vpcc]), { sequenceHeader: true });
  const key = video(Buffer.from([0x91, ...Buffer.from('vp09'), 0x82, 0x49, 0x83, 0x42]), { keyframe: true });
  assert.equal(format.encode(header).length, 0);
  assert.equal(format.encode(key).length, 2 * 188, 'a PAT and a PMT, no video PES');
  format.encode(key);
  const told = lines.filter((line) => line.msg === 'srt leaves a track out');
  assert.deepEqual(told.map((line) => [line.stream, line.track, line.reason]), [['live/cam', 'video', 'VP9 cannot be carried in MPEG-TS']]);
});
