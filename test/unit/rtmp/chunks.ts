// Test helpers: RTMP chunk headers written out byte by byte, and a reader that collects messages.
import { ChunkReader } from '../../../src/protocols/rtmp/chunk-reader.js';
import type { RtmpMessage } from '../../../src/protocols/rtmp/messages.js';

export interface Header {
  fmt: 0 | 1 | 2 | 3;
  csid: number;
  /** Timestamp (fmt 0) or delta (fmt 1, 2); ignored when `extended` is set. */
  timestamp?: number;
  length?: number;
  type?: number;
  streamId?: number;
  /** Value of the 4-byte extended timestamp field (fmt 0-2 write 0xFFFFFF before it). */
  extended?: number;
}

export function basicHeader(fmt: number, csid: number): number[] {
  if (csid < 64) return [(fmt << 6) | csid];
  if (csid < 320) return [fmt << 6, csid - 64];
  return [(fmt << 6) | 1, (csid - 64) & 0xff, (csid - 64) >> 8];
}

const u24 = (v: number): number[] => [(v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];

export function header(h: Header): number[] {
  const out = basicHeader(h.fmt, h.csid);
  if (h.fmt < 3) out.push(...u24(h.extended === undefined ? (h.timestamp ?? 0) : 0xffffff));
  if (h.fmt < 2) out.push(...u24(h.length ?? 0), h.type ?? 0);
  if (h.fmt === 0) {
    const id = h.streamId ?? 0;
    out.push(id & 0xff, (id >> 8) & 0xff, (id >> 16) & 0xff, (id >>> 24) & 0xff);
  }
  if (h.extended !== undefined) {
    const e = h.extended;
    out.push(e >>> 24, (e >> 16) & 0xff, (e >> 8) & 0xff, e & 0xff);
  }
  return out;
}

/** A chunk: header then body bytes. */
export function chunk(h: Header, body: Buffer | number[]): Buffer {
  return Buffer.concat([Buffer.from(header(h)), Buffer.from(body)]);
}

export function newReader(maxMessageSize = 1 << 20, maxChunkStreams = 64): ChunkReader {
  return new ChunkReader({ maxMessageSize, maxChunkStreams });
}

/** Pushes each buffer in turn and returns every message emitted. */
export function readAll(reader: ChunkReader, ...pieces: Buffer[]): RtmpMessage[] {
  const messages: RtmpMessage[] = [];
  for (const piece of pieces) reader.push(piece, (msg) => messages.push(msg));
  return messages;
}

/** A payload of recognisable bytes. */
export function pattern(length: number, seed = 0): Buffer {
  const buf = Buffer.alloc(length);
  for (let i = 0; i < length; i++) buf[i] = (i * 7 + seed) & 0xff;
  return buf;
}

/** Plain-object view of a message, for deepEqual (payload as hex). */
export function summary(msg: RtmpMessage): Record<string, unknown> {
  return { ...msg, payload: msg.payload.toString('hex') };
}
