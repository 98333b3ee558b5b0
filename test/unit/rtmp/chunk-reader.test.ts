import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageType } from '../../../src/protocols/rtmp/messages.js';
import { ChunkReader } from '../../../src/protocols/rtmp/chunk-reader.js';
import { ProtocolError } from '../../../src/util/errors.js';
import { chunk, newReader, pattern, readAll, summary, type Header } from './chunks.js';

const AUDIO = MessageType.Audio;
const VIDEO = MessageType.Video;

test('fmt 0, 2 and 3 headers: the spec example of four audio messages', () => {
  const body = (seed: number): Buffer => pattern(32, seed);
  const messages = readAll(
    newReader(),
    Buffer.concat([
      chunk({ fmt: 0, csid: 3, timestamp: 1000, length: 32, type: AUDIO, streamId: 12345 }, body(1)),
      chunk({ fmt: 2, csid: 3, timestamp: 20 }, body(2)),
      chunk({ fmt: 3, csid: 3 }, body(3)),
      chunk({ fmt: 3, csid: 3 }, body(4)),
    ]),
  );
  assert.deepEqual(
    messages.map(summary),
    [1000, 1020, 1040, 1060].map((timestamp, i) => ({
      type: AUDIO, streamId: 12345, timestamp, chunkStreamId: 3, payload: body(i + 1).toString('hex'),
    })),
  );
});

test('fmt 0 then fmt 3 continuations: one 307-byte message over 128-byte chunks', () => {
  const payload = pattern(307);
  const messages = readAll(
    newReader(),
    chunk({ fmt: 0, csid: 4, timestamp: 1000, length: 307, type: VIDEO, streamId: 1 }, payload.subarray(0, 128)),
    chunk({ fmt: 3, csid: 4 }, payload.subarray(128, 256)),
    chunk({ fmt: 3, csid: 4 }, payload.subarray(256)),
  );
  assert.equal(messages.length, 1);
  assert.deepEqual(messages[0]!.payload, payload);
  assert.equal(messages[0]!.timestamp, 1000);
});

test('fmt 1 changes length and type and adds the delta', () => {
  const messages = readAll(
    newReader(),
    Buffer.concat([
      chunk({ fmt: 0, csid: 6, timestamp: 40, length: 3, type: VIDEO, streamId: 1 }, [1, 2, 3]),
      chunk({ fmt: 1, csid: 6, timestamp: 33, length: 2, type: AUDIO }, [4, 5]),
      chunk({ fmt: 3, csid: 6 }, [6, 7]),
    ]),
  );
  assert.deepEqual(
    messages.map((m) => [m.type, m.timestamp, m.streamId, m.payload.toString('hex')]),
    [[VIDEO, 40, 1, '010203'], [AUDIO, 73, 1, '0405'], [AUDIO, 106, 1, '0607']],
  );
});

test('timestamps wrap modulo 2^32', () => {
  const messages = readAll(
    newReader(),
    chunk({ fmt: 0, csid: 4, extended: 0xfffffff0, length: 1, type: AUDIO }, [1]),
    chunk({ fmt: 2, csid: 4, timestamp: 0x20 }, [2]),
  );
  assert.deepEqual(messages.map((m) => m.timestamp), [0xfffffff0, 0x10]);
});

/** A 300-byte message at an extended timestamp, with or without the timestamp repeated on fmt 3. */
function extendedMessage(repeat: boolean): Buffer {
  const payload = pattern(300, 9);
  const ts = 0x01020304;
  const next: Header = repeat ? { fmt: 3, csid: 4, extended: ts } : { fmt: 3, csid: 4 };
  return Buffer.concat([
    chunk({ fmt: 0, csid: 4, extended: ts, length: 300, type: VIDEO, streamId: 1 }, payload.subarray(0, 128)),
    chunk(next, payload.subarray(128, 256)),
    chunk(next, payload.subarray(256)),
  ]);
}

test('extended timestamps: clients that repeat them on fmt 3 and clients that do not', () => {
  for (const repeat of [true, false]) {
    const [msg] = readAll(newReader(), extendedMessage(repeat));
    assert.equal(msg!.timestamp, 0x01020304, `repeat=${repeat}`);
    assert.deepEqual(msg!.payload, pattern(300, 9), `repeat=${repeat}`);
  }
});

test('extended delta on fmt 1 is reused by a fmt 3 new message', () => {
  for (const repeat of [true, false]) {
    const messages = readAll(
      newReader(),
      chunk({ fmt: 0, csid: 5, timestamp: 100, length: 2, type: AUDIO }, [0xaa, 0xbb]),
      chunk({ fmt: 1, csid: 5, extended: 0x01000000, length: 2, type: AUDIO }, [0xcc, 0xdd]),
      chunk(repeat ? { fmt: 3, csid: 5, extended: 0x01000000 } : { fmt: 3, csid: 5 }, [0xee, 0xff]),
    );
    assert.deepEqual(messages.map((m) => m.timestamp), [100, 100 + 0x01000000, 100 + 0x02000000]);
    assert.equal(messages[2]!.payload.toString('hex'), 'eeff');
  }
});

test('chunk stream ids in 1-, 2- and 3-byte basic headers', () => {
  for (const csid of [2, 63, 64, 65, 319, 320, 321, 1000, 65599]) {
    const [msg] = readAll(newReader(), chunk({ fmt: 0, csid, timestamp: 5, length: 1, type: AUDIO }, [csid & 0xff]));
    assert.equal(msg!.chunkStreamId, csid);
  }
  // 65599 written as [0x01, 0xff, 0xff]
  const [msg] = readAll(newReader(), Buffer.from([0x01, 0xff, 0xff, 0, 0, 0, 0, 0, 1, 8, 0, 0, 0, 0, 0x42]));
  assert.equal(msg!.chunkStreamId, 65599);
  assert.equal(msg!.payload[0], 0x42);
});

test('interleaved messages of two chunk streams', () => {
  const a = pattern(300, 1);
  const b = pattern(200, 2);
  const messages = readAll(
    newReader(),
    Buffer.concat([
      chunk({ fmt: 0, csid: 4, timestamp: 10, length: 300, type: AUDIO, streamId: 1 }, a.subarray(0, 128)),
      chunk({ fmt: 0, csid: 6, timestamp: 20, length: 200, type: VIDEO, streamId: 1 }, b.subarray(0, 128)),
      chunk({ fmt: 3, csid: 4 }, a.subarray(128, 256)),
      chunk({ fmt: 3, csid: 6 }, b.subarray(128)),
      chunk({ fmt: 3, csid: 4 }, a.subarray(256)),
    ]),
  );
  assert.deepEqual(messages.map((m) => [m.chunkStreamId, m.timestamp]), [[6, 20], [4, 10]]);
  assert.deepEqual(messages[0]!.payload, b);
  assert.deepEqual(messages[1]!.payload, a);
});

/** A stream of many header kinds, for the splitting test. */
function mixedStream(): Buffer {
  return Buffer.concat([
    extendedMessage(true),
    chunk({ fmt: 0, csid: 2, length: 4, type: MessageType.SetChunkSize }, [0, 0, 0, 100]),
    chunk({ fmt: 0, csid: 320, timestamp: 7, length: 0, type: 18, streamId: 1 }, []),
    chunk({ fmt: 0, csid: 70, timestamp: 1, length: 150, type: VIDEO, streamId: 1 }, pattern(100, 3)),
    chunk({ fmt: 3, csid: 70 }, pattern(150, 3).subarray(100)),
    chunk({ fmt: 2, csid: 70, timestamp: 40 }, pattern(100, 4)),
    chunk({ fmt: 3, csid: 70 }, pattern(150, 4).subarray(100)),
    chunk({ fmt: 0, csid: 9, extended: 0xffffff, length: 250, type: AUDIO }, pattern(100, 5)),
    chunk({ fmt: 3, csid: 9 }, pattern(250, 5).subarray(100, 200)),
    chunk({ fmt: 3, csid: 9 }, pattern(250, 5).subarray(200)),
    chunk({ fmt: 0, csid: 11, extended: 0x7f000000, length: 101, type: VIDEO }, pattern(100, 6)),
    chunk({ fmt: 3, csid: 11, extended: 0x7f000000 }, pattern(101, 6).subarray(100)),
  ]);
}

test('data split at every byte boundary gives the same messages', () => {
  const stream = mixedStream();
  const whole = readAll(newReader(), stream).map(summary);
  assert.equal(whole.length, 7);
  const bytes = [...stream].map((b) => Buffer.of(b));
  assert.deepEqual(readAll(newReader(), ...bytes).map(summary), whole);
  for (let cut = 1; cut < stream.length; cut++) {
    const split = readAll(newReader(), stream.subarray(0, cut), stream.subarray(cut)).map(summary);
    assert.deepEqual(split, whole, `split at ${cut}`);
  }
});

test('bytesReceived counts every byte pushed', () => {
  const reader = newReader();
  const stream = mixedStream();
  readAll(reader, stream.subarray(0, 10), stream.subarray(10));
  assert.equal(reader.bytesReceived, stream.length);
});

test('Set Chunk Size applies to the bytes after it in the same push, and is still emitted', () => {
  const reader = newReader();
  const payload = pattern(1000);
  const messages = readAll(
    reader,
    Buffer.concat([
      chunk({ fmt: 0, csid: 2, length: 4, type: MessageType.SetChunkSize }, [0, 0, 0x10, 0]),
      chunk({ fmt: 0, csid: 4, length: 1000, type: VIDEO, streamId: 1 }, payload),
    ]),
  );
  assert.equal(reader.chunkSize, 4096);
  assert.deepEqual(messages.map((m) => m.type), [MessageType.SetChunkSize, VIDEO]);
  assert.deepEqual(messages[1]!.payload, payload);
});

test('invalid Set Chunk Size values throw ProtocolError', () => {
  for (const size of [0, 2 ** 31, 0xffffffff, 16 * 1024 * 1024 + 1]) {
    const bytes = [size >>> 24, (size >> 16) & 0xff, (size >> 8) & 0xff, size & 0xff];
    assert.throws(
      () => readAll(newReader(), chunk({ fmt: 0, csid: 2, length: 4, type: MessageType.SetChunkSize }, bytes)),
      /invalid chunk size/,
    );
  }
  assert.throws(
    () => readAll(newReader(), chunk({ fmt: 0, csid: 2, length: 2, type: MessageType.SetChunkSize }, [0, 1])),
    ProtocolError,
  );
});

test('Abort drops the partial message of that chunk stream', () => {
  const messages = readAll(
    newReader(),
    chunk({ fmt: 0, csid: 4, length: 300, type: VIDEO, streamId: 1 }, pattern(128)),
    chunk({ fmt: 0, csid: 2, length: 4, type: MessageType.Abort }, [0, 0, 0, 4]),
    chunk({ fmt: 0, csid: 4, length: 2, type: AUDIO, streamId: 1 }, [1, 2]),
  );
  assert.deepEqual(messages.map((m) => [m.type, m.payload.toString('hex')]), [
    [MessageType.Abort, '00000004'],
    [AUDIO, '0102'],
  ]);
});

test('a declared 16 MiB message throws from its header alone, before any body arrives', () => {
  const reader = newReader(1 << 20);
  const hostile = chunk({ fmt: 0, csid: 4, length: 0xffffff, type: VIDEO, streamId: 1 }, []);
  assert.throws(() => readAll(reader, hostile), /message of 16777215 bytes .* limit of 1048576/);
});

test('more chunk streams than allowed throws ProtocolError', () => {
  const chunks = Array.from({ length: 5000 }, (_, i) => chunk({ fmt: 0, csid: 3 + i, length: 0, type: AUDIO }, []));
  assert.throws(() => readAll(newReader(1 << 20, 64), Buffer.concat(chunks)), /more than 64 chunk streams/);
});

test('fmt 1, 2 or 3 on a chunk stream never opened with fmt 0 throws ProtocolError', () => {
  for (const fmt of [1, 2, 3] as const) {
    assert.throws(() => readAll(newReader(), chunk({ fmt, csid: 5, length: 1, type: AUDIO }, [0])), /before any fmt 0/);
  }
});

test('a new message header before the previous message is complete throws ProtocolError', () => {
  assert.throws(
    () =>
      readAll(
        newReader(),
        chunk({ fmt: 0, csid: 4, length: 300, type: VIDEO }, pattern(128)),
        chunk({ fmt: 1, csid: 4, timestamp: 1, length: 10, type: VIDEO }, pattern(10)),
      ),
    /previous message was complete/,
  );
});

test('a single-chunk payload covering most of its buffer is not copied; a small one is', () => {
  const encoded = chunk({ fmt: 0, csid: 4, length: 120, type: VIDEO }, pattern(120));
  const input = Buffer.alloc(encoded.length); // unpooled: its own ArrayBuffer, like a socket read
  encoded.copy(input);
  const [msg] = readAll(newReader(), input);
  assert.equal(msg!.payload.buffer, input.buffer);
  const small = Buffer.alloc(4096);
  chunk({ fmt: 0, csid: 4, length: 3, type: VIDEO }, [1, 2, 3]).copy(small);
  const [copied] = readAll(newReader(), small.subarray(0, 15));
  assert.notEqual(copied!.payload.buffer, small.buffer);
  assert.equal(copied!.payload.toString('hex'), '010203');
});

test('a read that completes a split header is parsed where it is, not copied whole', () => {
  const encoded = chunk({ fmt: 0, csid: 4, length: 120, type: VIDEO }, pattern(120));
  const rest = Buffer.alloc(encoded.length - 5); // unpooled, like a socket read
  encoded.copy(rest, 0, 5);
  const [msg] = readAll(newReader(), Buffer.from(encoded.subarray(0, 5)), rest);
  assert.equal(msg!.payload.buffer, rest.buffer);
  assert.deepEqual(msg!.payload, pattern(120));
});

test('partial messages across chunk streams are held to twice the message limit', () => {
  const reader = new ChunkReader({ maxMessageSize: 1000, maxChunkStreams: 64 });
  const chunks: Buffer[] = [];
  // Twenty chunk streams, each declaring a 900-byte message and sending its first 128 bytes.
  for (let csid = 3; csid < 23; csid++) {
    const header = Buffer.alloc(12);
    header[0] = csid;
    header.writeUIntBE(900, 4, 3);
    header[7] = 9;
    chunks.push(header, Buffer.alloc(128));
  }
  assert.throws(() => reader.push(Buffer.concat(chunks), () => {}), (error: unknown) => error instanceof ProtocolError && /held in partial messages/.test(error.message));
});
