// A lean RTMP chunk parser for the load tool. Unlike src's ChunkReader it never assembles media:
// audio/video/data messages are reported as (type, timestamp, length) and their bytes skipped,
// so it keeps no views of the pushed buffer and one read buffer can serve every socket.
// Control and command messages (small) are copied out whole. docs/BENCHMARKS.md says why.
import { MessageType, type RtmpMessage } from '../../src/protocols/rtmp/index.js';

export type MediaHandler = (type: number, timestamp: number, length: number) => void;

const EXTENDED_TIMESTAMP = 0xffffff;
const MESSAGE_HEADER_SIZE = [11, 7, 3, 0] as const;
const MAX_CONTROL_SIZE = 64 * 1024;
const MAX_CHUNK_STREAMS = 64;
const MAX_CHUNK_SIZE = 16 * 1024 * 1024;
const COUNTED_ONLY = new Set<number>([MessageType.Audio, MessageType.Video, MessageType.DataAmf0, MessageType.Aggregate]);
const EMPTY = Buffer.alloc(0);

interface ChunkStream {
  id: number;
  timestamp: number;
  /** Timestamp field of the last fmt 0/1/2 header; a fmt 3 new message adds it again. */
  delta: number;
  length: number;
  type: number;
  streamId: number;
  /** Whether the last fmt 0/1/2 header had an extended timestamp, which fmt 3 chunks repeat. */
  extended: boolean;
  /** Bytes of the current message still to come; 0 between messages. */
  remaining: number;
  /** Copies of the current message's bytes, for control and command messages only. */
  parts: Buffer[] | undefined;
}

export class ChunkScanner {
  bytesReceived = 0;
  private chunkSize = 128;
  private readonly streams = new Map<number, ChunkStream>();
  /** An incomplete chunk header from the previous push (at most 18 bytes, copied). */
  private stash = EMPTY;
  private current: ChunkStream | undefined;
  private chunkLeft = 0;

  /** `data` may be reused by the caller as soon as this returns. */
  push(data: Buffer, onMessage: (msg: RtmpMessage) => void, onMedia: MediaHandler): void {
    this.bytesReceived += data.length;
    const buf = this.stash.length > 0 ? Buffer.concat([this.stash, data]) : data;
    this.stash = EMPTY;
    let pos = 0;
    while (pos < buf.length) {
      const stream = this.current;
      if (stream === undefined) {
        const next = this.readHeader(buf, pos);
        if (next < 0) {
          this.stash = Buffer.from(buf.subarray(pos));
          return;
        }
        pos = next;
      } else {
        const take = Math.min(this.chunkLeft, buf.length - pos);
        stream.parts?.push(Buffer.from(buf.subarray(pos, pos + take)));
        stream.remaining -= take;
        this.chunkLeft -= take;
        pos += take;
      }
      if (this.current !== undefined && this.chunkLeft === 0) this.endChunk(this.current, onMessage, onMedia);
    }
  }

  /** Parses one chunk header at `start`; returns where its body begins, or -1 if incomplete. */
  private readHeader(buf: Buffer, start: number): number {
    let pos = start;
    const first = buf[pos++]!;
    const fmt = first >> 6;
    let csid = first & 0x3f;
    if (csid < 2) {
      const extra = csid + 1;
      if (pos + extra > buf.length) return -1;
      csid = 64 + buf[pos]! + (extra === 2 ? buf[pos + 1]! * 256 : 0);
      pos += extra;
    }
    const known = this.streams.get(csid);
    const headerSize = MESSAGE_HEADER_SIZE[fmt]!;
    if (pos + headerSize > buf.length) return -1;
    const extended = fmt === 3 ? (known?.extended ?? false) : buf.readUIntBE(pos, 3) === EXTENDED_TIMESTAMP;
    if (pos + headerSize + (extended ? 4 : 0) > buf.length) return -1;

    const stream = known ?? this.addStream(csid, fmt);
    if (fmt < 3) {
      if (stream.remaining > 0) throw new Error(`chunk stream ${csid}: new header inside a message`);
      const field = extended ? buf.readUInt32BE(pos + headerSize) : buf.readUIntBE(pos, 3);
      stream.delta = field;
      stream.extended = extended;
      stream.timestamp = fmt === 0 ? field : (stream.timestamp + field) >>> 0;
      if (fmt <= 1) {
        stream.length = buf.readUIntBE(pos + 3, 3);
        stream.type = buf[pos + 6]!;
      }
      if (fmt === 0) stream.streamId = buf.readUInt32LE(pos + 7);
      this.startMessage(stream);
    } else if (stream.remaining === 0) {
      stream.timestamp = (stream.timestamp + stream.delta) >>> 0;
      this.startMessage(stream);
    }
    this.current = stream;
    this.chunkLeft = Math.min(this.chunkSize, stream.remaining);
    return pos + headerSize + (extended ? 4 : 0);
  }

  private addStream(id: number, fmt: number): ChunkStream {
    if (fmt !== 0) throw new Error(`chunk stream ${id}: fmt ${fmt} chunk before any fmt 0 header`);
    if (this.streams.size >= MAX_CHUNK_STREAMS) throw new Error(`more than ${MAX_CHUNK_STREAMS} chunk streams`);
    const stream: ChunkStream = { id, timestamp: 0, delta: 0, length: 0, type: 0, streamId: 0, extended: false, remaining: 0, parts: undefined };
    this.streams.set(id, stream);
    return stream;
  }

  private startMessage(stream: ChunkStream): void {
    const counted = COUNTED_ONLY.has(stream.type);
    if (!counted && stream.length > MAX_CONTROL_SIZE) throw new Error(`type ${stream.type} message of ${stream.length} bytes`);
    stream.remaining = stream.length;
    stream.parts = counted ? undefined : [];
  }

  private endChunk(stream: ChunkStream, onMessage: (msg: RtmpMessage) => void, onMedia: MediaHandler): void {
    this.current = undefined;
    if (stream.remaining > 0) return;
    if (stream.parts === undefined) {
      onMedia(stream.type, stream.timestamp, stream.length);
      return;
    }
    const payload = Buffer.concat(stream.parts);
    stream.parts = undefined;
    if (stream.type === MessageType.SetChunkSize) {
      const size = payload.length >= 4 ? payload.readUInt32BE(0) : 0;
      if (size < 1 || size > MAX_CHUNK_SIZE) throw new Error(`invalid chunk size ${size}`);
      this.chunkSize = size;
    }
    const { type, streamId, timestamp, id: chunkStreamId } = stream;
    onMessage({ type, streamId, timestamp, chunkStreamId, payload });
  }
}
