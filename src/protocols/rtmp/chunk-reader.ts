import { ProtocolError } from '../../util/errors.js';
import { MessageType, type RtmpMessage } from './messages.js';

/**
 * Limits on what a peer can make the reader hold. Memory is only ever taken for bytes actually
 * received, and the partial messages of all chunk streams together are held to twice
 * maxMessageSize.
 */
export interface ChunkReaderOptions {
  /** Largest message a peer may declare; checked before anything is allocated for it. */
  maxMessageSize: number;
  /** Most distinct chunk stream ids a peer may use. */
  maxChunkStreams: number;
}

export const DEFAULT_CHUNK_SIZE = 128;
/** The spec allows up to 2^31-1; nothing real uses more than this, and it bounds a chunk. */
export const MAX_CHUNK_SIZE = 16 * 1024 * 1024;

const EXTENDED_TIMESTAMP = 0xffffff;
const MESSAGE_HEADER_SIZE = [11, 7, 3, 0] as const;
/** The longest chunk header: a 3-byte basic header, an 11-byte message header, an extended timestamp. */
const MAX_HEADER_BYTES = 18;
const EMPTY = Buffer.alloc(0);

/** What one chunk stream remembers between chunks, for the compressed header formats. */
interface ChunkStream {
  readonly id: number;
  /** Of the message being assembled, or of the last one. */
  timestamp: number;
  /** Timestamp field of the last fmt 0/1/2 header, which a fmt 3 new message reuses. */
  delta: number;
  length: number;
  type: number;
  streamId: number;
  /** The extended timestamp field of the last fmt 0/1/2 header, when it had one. */
  extended: number | undefined;
  inMessage: boolean;
  parts: Buffer[];
  received: number;
}

/**
 * Reassembles RTMP messages from chunks, however the bytes are split across pushes. Only an
 * incomplete chunk header (at most 18 bytes) is kept between pushes; payload bytes are kept as
 * views and joined once per message.
 */
export class ChunkReader {
  /** Every byte pushed so far, for acknowledgements (the session wraps it modulo 2^32). */
  bytesReceived = 0;
  private size = DEFAULT_CHUNK_SIZE;
  private readonly streams = new Map<number, ChunkStream>();
  private stash = EMPTY;
  /** The chunk stream whose chunk body is being read, if any. */
  private current: ChunkStream | undefined;
  private chunkLeft = 0;
  /** Payload bytes held in partial messages, across all chunk streams. */
  private held = 0;

  constructor(private readonly options: ChunkReaderOptions) {}

  /** The peer's chunk size, as last set by a Set Chunk Size message. */
  get chunkSize(): number {
    return this.size;
  }

  /**
   * Parses `data` and calls `onMessage` for each complete message. Payloads may be views of
   * `data`, so the caller must not modify it afterwards (socket buffers are never reused).
   */
  push(data: Buffer, onMessage: (msg: RtmpMessage) => void): void {
    this.bytesReceived += data.length;
    let pos = 0;
    if (this.stash.length > 0) {
      pos = this.finishSplitHeader(data);
      if (pos < 0) return;
      if (this.chunkLeft === 0) this.endChunk(this.current!, onMessage);
    }
    while (pos < data.length) {
      const stream = this.current;
      if (stream === undefined) {
        const next = this.readHeader(data, pos);
        if (next < 0) {
          this.stash = Buffer.from(data.subarray(pos)); // a copy: keeps no big buffer alive
          return;
        }
        pos = next;
      } else {
        const take = Math.min(this.chunkLeft, data.length - pos);
        stream.parts.push(data.subarray(pos, pos + take));
        stream.received += take;
        this.hold(take);
        this.chunkLeft -= take;
        pos += take;
      }
      if (this.current !== undefined && this.chunkLeft === 0) this.endChunk(this.current, onMessage);
    }
  }

  /**
   * Completes the chunk header the last push ended in the middle of. Only the header's bytes are
   * joined, not the whole read: a read that splits a header would otherwise copy all the next one.
   * Returns where the chunk's body begins in `data`, or -1 when `data` did not complete it either.
   */
  private finishSplitHeader(data: Buffer): number {
    const stashed = this.stash.length;
    const head = Buffer.concat([this.stash, data.subarray(0, MAX_HEADER_BYTES - stashed)]);
    this.stash = EMPTY;
    const end = this.readHeader(head, 0);
    if (end < 0) this.stash = head;
    return end < 0 ? -1 : end - stashed;
  }

  /** Parses one chunk header at `start`; returns where its body begins, or -1 if incomplete. */
  private readHeader(buf: Buffer, start: number): number {
    let pos = start;
    const first = buf[pos++]!;
    const fmt = first >> 6;
    let csid = first & 0x3f;
    if (csid === 0) {
      if (pos + 1 > buf.length) return -1;
      csid = 64 + buf[pos]!;
      pos += 1;
    } else if (csid === 1) {
      if (pos + 2 > buf.length) return -1;
      csid = 64 + buf[pos]! + buf[pos + 1]! * 256;
      pos += 2;
    }
    const known = this.streams.get(csid);
    if (known === undefined) this.checkNewStream(csid, fmt);

    const headerSize = MESSAGE_HEADER_SIZE[fmt]!;
    if (pos + headerSize > buf.length) return -1;
    if (fmt === 3) {
      const stream = known!;
      if (stream.extended !== undefined) {
        const repeated = matchExtended(buf, pos, stream.extended);
        if (repeated < 0) return -1;
        pos += repeated;
      }
      if (!stream.inMessage) {
        stream.timestamp = (stream.timestamp + stream.delta) >>> 0;
        this.startMessage(stream);
      }
      return this.beginChunk(stream, pos);
    }

    if (known?.inMessage) {
      throw new ProtocolError(`chunk stream ${csid}: new message header before the previous message was complete`);
    }
    let field = buf.readUIntBE(pos, 3);
    let extended: number | undefined;
    const length = fmt <= 1 ? buf.readUIntBE(pos + 3, 3) : 0;
    const type = fmt <= 1 ? buf[pos + 6]! : 0;
    const streamId = fmt === 0 ? buf.readUInt32LE(pos + 7) : 0;
    pos += headerSize;
    if (field === EXTENDED_TIMESTAMP) {
      if (pos + 4 > buf.length) return -1;
      field = extended = buf.readUInt32BE(pos);
      pos += 4;
    }

    const stream = known ?? this.addStream(csid);
    // Like FFmpeg and SRS, a fmt 0 timestamp also serves as the delta of a following fmt 3 message.
    stream.delta = field;
    stream.extended = extended;
    stream.timestamp = fmt === 0 ? field : (stream.timestamp + field) >>> 0;
    if (fmt === 0) stream.streamId = streamId;
    if (fmt <= 1) {
      stream.length = length;
      stream.type = type;
    }
    this.startMessage(stream);
    return this.beginChunk(stream, pos);
  }

  private checkNewStream(csid: number, fmt: number): void {
    if (fmt !== 0) throw new ProtocolError(`chunk stream ${csid}: fmt ${fmt} chunk before any fmt 0 header`);
    if (this.streams.size >= this.options.maxChunkStreams) {
      throw new ProtocolError(`more than ${this.options.maxChunkStreams} chunk streams in use`);
    }
  }

  private addStream(id: number): ChunkStream {
    const stream: ChunkStream = {
      id,
      timestamp: 0,
      delta: 0,
      length: 0,
      type: 0,
      streamId: 0,
      extended: undefined,
      inMessage: false,
      parts: [],
      received: 0,
    };
    this.streams.set(id, stream);
    return stream;
  }

  private hold(bytes: number): void {
    this.held += bytes;
    const limit = 2 * this.options.maxMessageSize;
    if (this.held > limit) throw new ProtocolError(`more than ${limit} bytes held in partial messages`);
  }

  private startMessage(stream: ChunkStream): void {
    if (stream.length > this.options.maxMessageSize) {
      throw new ProtocolError(
        `message of ${stream.length} bytes on chunk stream ${stream.id} exceeds the limit of ${this.options.maxMessageSize}`,
      );
    }
    stream.inMessage = true;
  }

  private beginChunk(stream: ChunkStream, pos: number): number {
    this.current = stream;
    this.chunkLeft = Math.min(this.size, stream.length - stream.received);
    return pos;
  }

  private endChunk(stream: ChunkStream, onMessage: (msg: RtmpMessage) => void): void {
    this.current = undefined;
    if (stream.received < stream.length) return;
    const payload = assemble(stream.parts, stream.length);
    this.held -= stream.received;
    stream.parts = [];
    stream.received = 0;
    stream.inMessage = false;
    const msg: RtmpMessage = {
      type: stream.type,
      streamId: stream.streamId,
      timestamp: stream.timestamp,
      chunkStreamId: stream.id,
      payload,
    };
    if (msg.type === MessageType.SetChunkSize) this.size = parseChunkSize(payload);
    else if (msg.type === MessageType.Abort) this.abort(payload);
    onMessage(msg);
  }

  /** Abort drops the partial message of the named chunk stream. */
  private abort(payload: Buffer): void {
    if (payload.length < 4) throw new ProtocolError('abort message shorter than 4 bytes');
    const stream = this.streams.get(payload.readUInt32BE(0));
    if (stream === undefined) return;
    this.held -= stream.received;
    stream.parts = [];
    stream.received = 0;
    stream.inMessage = false;
  }
}

function parseChunkSize(payload: Buffer): number {
  if (payload.length < 4) throw new ProtocolError('set chunk size message shorter than 4 bytes');
  const size = payload.readUInt32BE(0);
  if (size < 1 || size > MAX_CHUNK_SIZE) {
    throw new ProtocolError(`invalid chunk size ${size} (accepted: 1..${MAX_CHUNK_SIZE})`);
  }
  return size;
}

/**
 * Whether a fmt 3 chunk repeats the extended timestamp: the spec and FFmpeg say it does, some
 * encoders do not. Returns 4 if the next bytes equal `value`, 0 if they differ, -1 if too few
 * bytes are here to tell yet.
 */
function matchExtended(buf: Buffer, pos: number, value: number): number {
  const available = Math.min(4, buf.length - pos);
  for (let i = 0; i < available; i++) {
    if (buf[pos + i] !== ((value >>> (24 - 8 * i)) & 0xff)) return 0;
  }
  return available === 4 ? 4 : -1;
}

/**
 * Joins a message's chunk bodies once. A single view is kept as is only when it covers most
 * of its underlying memory; a small view would otherwise pin a whole socket read buffer.
 */
function assemble(parts: Buffer[], length: number): Buffer {
  const only = parts.length === 1 ? parts[0]! : undefined;
  if (only === undefined) return Buffer.concat(parts, length);
  return only.length * 2 >= only.buffer.byteLength ? only : Buffer.from(only);
}
