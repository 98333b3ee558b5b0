import type { RtmpMessage } from './messages.js';

const EXTENDED_TIMESTAMP = 0xffffff;
const MAX_CHUNK_STREAM_ID = 65599;
const MAX_MESSAGE_LENGTH = 0xffffff;

/**
 * Encodes one message as chunks in a single Buffer: a fmt 0 header, then fmt 3 continuation
 * chunks that repeat the extended timestamp when there is one (as FFmpeg expects). Media frames
 * are encoded once and the same bytes go to every player.
 */
export function encodeMessage(msg: RtmpMessage, chunkSize: number): Buffer {
  const out = Buffer.allocUnsafe(encodedSize(msg, chunkSize));
  writeMessage(out, 0, msg, chunkSize);
  return out;
}

/** Encodes several messages back to back into one Buffer. */
export function encodeMessages(msgs: readonly RtmpMessage[], chunkSize: number): Buffer {
  let total = 0;
  for (const msg of msgs) total += encodedSize(msg, chunkSize);
  const out = Buffer.allocUnsafe(total);
  let pos = 0;
  for (const msg of msgs) pos = writeMessage(out, pos, msg, chunkSize);
  return out;
}

/** Exact number of bytes `encodeMessage` produces. */
export function encodedSize(msg: RtmpMessage, chunkSize: number): number {
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError(`invalid chunk size ${chunkSize}`);
  const length = msg.payload.length;
  if (length > MAX_MESSAGE_LENGTH) throw new RangeError(`message of ${length} bytes exceeds 16 MiB - 1`);
  const basic = basicHeaderSize(msg.chunkStreamId);
  const extended = (msg.timestamp >>> 0) >= EXTENDED_TIMESTAMP ? 4 : 0;
  const continuations = length === 0 ? 0 : Math.ceil(length / chunkSize) - 1;
  return basic + 11 + extended + length + continuations * (basic + extended);
}

function basicHeaderSize(csid: number): number {
  if (!Number.isInteger(csid) || csid < 2 || csid > MAX_CHUNK_STREAM_ID) {
    throw new RangeError(`chunk stream id ${csid} outside 2..${MAX_CHUNK_STREAM_ID}`);
  }
  return csid < 64 ? 1 : csid < 320 ? 2 : 3;
}

function writeBasicHeader(out: Buffer, pos: number, fmt: number, csid: number): number {
  if (csid < 64) {
    out[pos] = (fmt << 6) | csid;
    return pos + 1;
  }
  const id = csid - 64;
  if (csid < 320) {
    out[pos] = fmt << 6;
    out[pos + 1] = id;
    return pos + 2;
  }
  out[pos] = (fmt << 6) | 1;
  out[pos + 1] = id & 0xff;
  out[pos + 2] = id >> 8;
  return pos + 3;
}

function writeU24(out: Buffer, pos: number, value: number): void {
  out[pos] = value >>> 16;
  out[pos + 1] = (value >>> 8) & 0xff;
  out[pos + 2] = value & 0xff;
}

/** Writes `msg` at `pos` (the caller sized `out` with encodedSize); returns the end. */
function writeMessage(out: Buffer, start: number, msg: RtmpMessage, chunkSize: number): number {
  const { payload, chunkStreamId: csid } = msg;
  const timestamp = msg.timestamp >>> 0; // RTMP timestamps wrap modulo 2^32
  const extended = timestamp >= EXTENDED_TIMESTAMP;
  let pos = writeBasicHeader(out, start, 0, csid);
  writeU24(out, pos, extended ? EXTENDED_TIMESTAMP : timestamp);
  writeU24(out, pos + 3, payload.length);
  out[pos + 6] = msg.type;
  out.writeUInt32LE(msg.streamId >>> 0, pos + 7);
  pos += 11;
  let offset = 0;
  for (;;) {
    if (extended) pos = out.writeUInt32BE(timestamp, pos);
    const end = Math.min(offset + chunkSize, payload.length);
    pos += payload.copy(out, pos, offset, end);
    offset = end;
    if (offset >= payload.length) return pos;
    pos = writeBasicHeader(out, pos, 3, csid);
  }
}
