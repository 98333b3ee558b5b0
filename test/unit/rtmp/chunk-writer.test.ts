import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeMessage, encodeMessages, encodedSize } from '../../../src/protocols/rtmp/chunk-writer.js';
import { MessageType, setChunkSize, type RtmpMessage } from '../../../src/protocols/rtmp/messages.js';
import { chunk, newReader, pattern, readAll, summary } from './chunks.js';

const video = (timestamp: number, payload: Buffer, chunkStreamId = 6): RtmpMessage => ({
  type: MessageType.Video, streamId: 1, timestamp, chunkStreamId, payload,
});

test('golden bytes: fmt 0 header, then fmt 3 continuation chunks', () => {
  const payload = pattern(300);
  const expected = Buffer.concat([
    chunk({ fmt: 0, csid: 6, timestamp: 1000, length: 300, type: 9, streamId: 1 }, payload.subarray(0, 128)),
    chunk({ fmt: 3, csid: 6 }, payload.subarray(128, 256)),
    chunk({ fmt: 3, csid: 6 }, payload.subarray(256)),
  ]);
  assert.deepEqual(encodeMessage(video(1000, payload), 128), expected);
});

test('golden bytes: extended timestamp in the first chunk and repeated on every continuation', () => {
  const payload = pattern(200);
  const expected = Buffer.concat([
    chunk({ fmt: 0, csid: 320, extended: 0x12345678, length: 200, type: 9, streamId: 1 }, payload.subarray(0, 128)),
    chunk({ fmt: 3, csid: 320, extended: 0x12345678 }, payload.subarray(128)),
  ]);
  assert.deepEqual(encodeMessage(video(0x12345678, payload, 320), 128), expected);
});

test('timestamps are written modulo 2^32', () => {
  const bytes = encodeMessage(video(2 ** 32 + 5, Buffer.of(1)), 128);
  assert.deepEqual(bytes.subarray(1, 4), Buffer.from([0, 0, 5]));
});

test('output size is exact', () => {
  for (const [length, chunkSize, timestamp] of [[0, 128, 0], [128, 128, 0], [129, 128, 0xffffff], [70000, 4096, 1]]) {
    const msg = video(timestamp!, pattern(length!), 70);
    assert.equal(encodeMessage(msg, chunkSize!).length, encodedSize(msg, chunkSize!));
  }
});

test('encodeMessages is the concatenation of encodeMessage', () => {
  const msgs = [video(1, pattern(10)), setChunkSize(4096), video(0xffffff, pattern(300), 64)];
  assert.deepEqual(encodeMessages(msgs, 128), Buffer.concat(msgs.map((m) => encodeMessage(m, 128))));
});

test('bad chunk stream ids and chunk sizes throw RangeError', () => {
  assert.throws(() => encodeMessage(video(0, pattern(1), 1), 128), RangeError);
  assert.throws(() => encodeMessage(video(0, pattern(1), 65600), 128), RangeError);
  assert.throws(() => encodeMessage(video(0, pattern(1)), 0), RangeError);
});

test('writer and reader round trip at several chunk sizes and around the extended timestamp', () => {
  const timestamps = [0, 1, 0xfffffe, 0xffffff, 0x1000000, 0xffffffff];
  for (const chunkSize of [128, 4096, 60000, 65536]) {
    const lengths = [0, 1, chunkSize - 1, chunkSize, chunkSize + 1, 3 * chunkSize + 5];
    const msgs = lengths.flatMap((length, i) =>
      timestamps.map((timestamp, j) => video(timestamp, pattern(length, i + j), [3, 64, 400][j % 3])),
    );
    const reader = newReader(1 << 20);
    const stream = Buffer.concat([encodeMessage(setChunkSize(chunkSize), 128), encodeMessages(msgs, chunkSize)]);
    const received = readAll(reader, stream.subarray(0, 1000), stream.subarray(1000));
    assert.deepEqual(received.slice(1).map(summary), msgs.map(summary), `chunk size ${chunkSize}`);
  }
});
