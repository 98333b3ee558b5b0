import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EncodedFrame, type MediaFrame } from '../../../src/media/frame.js';

const source: MediaFrame = { kind: 'video', timestamp: 40, body: Buffer.from('K'), keyframe: true, sequenceHeader: false };

test('each format encodes a frame once, whichever format asks first and however many there are', () => {
  const frame = new EncodedFrame(source);
  const calls: string[] = [];
  const encoder = (name: string) => (of: MediaFrame) => {
    calls.push(name);
    return Buffer.from(`${name}:${of.body.toString()}`);
  };
  for (let round = 0; round < 3; round++) {
    for (const name of ['flv', 'rtp', 'ts']) assert.equal(frame.encoded(name, encoder(name)).toString(), `${name}:K`);
  }
  assert.deepEqual(calls, ['flv', 'rtp', 'ts']);
  assert.equal(frame.encoded('rtp', encoder('rtp')), frame.encoded('rtp', encoder('rtp')));
});

test('the stream may give a frame its own timestamp; the rest is the source frame', () => {
  const frame = new EncodedFrame(source, 1040);
  const { kind, timestamp, body, keyframe, sequenceHeader } = frame;
  assert.deepEqual({ kind, timestamp, body, keyframe, sequenceHeader }, { ...source, timestamp: 1040 });
  assert.equal(new EncodedFrame(source).timestamp, 40);
});
