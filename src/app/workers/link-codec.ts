import type { MediaFrame } from '../../media/frame.js';
import type { AudioPacket } from '../../transcode/types.js';
import { ProtocolError } from '../../util/errors.js';

/**
 * The framing of the socket between two workers: a fixed 16-byte header, then the body.
 *
 *   u32 body length | u32 stream index | u32 timestamp (ms) | u8 type | u8 flags | u16 zero
 *
 * Media types carry a frame's body as the hub holds it, or an Opus packet for the receiving
 * worker's WebRTC players; the others say what happens to a stream (`open` carries its key as
 * UTF-8, `publish` the publisher's protocol). The receiving worker writes back on the same socket,
 * in the same framing: `opus-on` / `opus-off` (its WebRTC players want the stream's Opus, or no
 * longer) and `keyframe` (one of them asked for one).
 */
export const HEADER_BYTES = 16;
/** Bigger than any frame the RTMP reader accepts; a longer length is garbage. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

export type LinkMessage =
  | { type: 'frame'; index: number; frame: MediaFrame }
  | { type: 'opus'; index: number; packet: AudioPacket }
  | { type: 'open'; index: number; key: string }
  | { type: 'publish'; index: number; protocol: string }
  | { type: 'unpublish' | 'end' | 'opus-on' | 'opus-off' | 'keyframe'; index: number };

type Control = 'open' | 'publish' | 'unpublish' | 'end' | 'opus-on' | 'opus-off' | 'keyframe';

const KINDS = ['audio', 'video', 'data'] as const;
const OPUS = 3;
const CONTROL = { open: 10, publish: 11, unpublish: 12, end: 13, 'opus-on': 14, 'opus-off': 15, keyframe: 16 } as const satisfies Record<Control, number>;
const CONTROL_NAMES = new Map(Object.entries(CONTROL).map(([name, code]) => [code, name as Control]));
const KEYFRAME = 1;
const SEQUENCE_HEADER = 2;

export function encodeHeader(type: number, flags: number, index: number, timestamp: number, length: number): Buffer {
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  header.writeUInt32BE(length, 0);
  header.writeUInt32BE(index, 4);
  header.writeUInt32BE(timestamp >>> 0, 8);
  header.writeUInt8(type, 12);
  header.writeUInt8(flags, 13);
  header.writeUInt16BE(0, 14);
  return header;
}

/** A frame's header; the body follows as its own buffer, so it is never copied. */
export function frameHeader(index: number, frame: MediaFrame): Buffer {
  const flags = (frame.keyframe ? KEYFRAME : 0) | (frame.sequenceHeader ? SEQUENCE_HEADER : 0);
  return encodeHeader(KINDS.indexOf(frame.kind), flags, index, frame.timestamp, frame.body.length);
}

/** An Opus packet's header; the packet follows as its own buffer. */
export function opusHeader(index: number, packet: AudioPacket): Buffer {
  return encodeHeader(OPUS, 0, index, packet.timestamp, packet.data.length);
}

/** A control message; `text` is the key of `open` and the protocol of `publish`. */
export function encodeControl(type: Control, index: number, text = ''): Buffer {
  const body = Buffer.from(text, 'utf8');
  return Buffer.concat([encodeHeader(CONTROL[type], 0, index, 0, body.length), body]);
}

/**
 * Reads messages back from whatever chunks the socket delivers: a header split across reads,
 * several messages in one. A header that cannot be one (unknown type, reserved bits, a body
 * longer than any frame) throws a ProtocolError: the link is broken and must be closed.
 */
export class LinkDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  push(chunk: Buffer, onMessage: (message: LinkMessage) => void): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (this.buffered >= HEADER_BYTES) {
      const header = this.peek(HEADER_BYTES);
      const length = header.readUInt32BE(0);
      const type = header.readUInt8(12);
      if (length > MAX_BODY_BYTES || header.readUInt16BE(14) !== 0 || (type > OPUS && !CONTROL_NAMES.has(type as 10))) {
        throw new ProtocolError(`worker link: bad header (type ${type}, length ${length})`);
      }
      if (this.buffered < HEADER_BYTES + length) return;
      const message = this.take(HEADER_BYTES + length);
      onMessage(decode(message.subarray(0, HEADER_BYTES), message.subarray(HEADER_BYTES)));
    }
  }

  /** The first `bytes` buffered, joined when they span chunks. */
  private peek(bytes: number): Buffer {
    if (this.chunks[0]!.length < bytes) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!.subarray(0, bytes);
  }

  private take(bytes: number): Buffer {
    const first = this.peek(bytes);
    const head = this.chunks[0]!;
    if (head.length === bytes) this.chunks.shift();
    else this.chunks[0] = head.subarray(bytes);
    this.buffered -= bytes;
    return first;
  }
}

function decode(header: Buffer, body: Buffer): LinkMessage {
  const index = header.readUInt32BE(4);
  const type = header.readUInt8(12);
  const kind = KINDS[type];
  if (kind !== undefined) {
    const flags = header.readUInt8(13);
    const frame: MediaFrame = { kind, timestamp: header.readUInt32BE(8), body, keyframe: (flags & KEYFRAME) !== 0, sequenceHeader: (flags & SEQUENCE_HEADER) !== 0 };
    return { type: 'frame', index, frame };
  }
  if (type === OPUS) return { type: 'opus', index, packet: { timestamp: header.readUInt32BE(8), data: body } };
  const name = CONTROL_NAMES.get(type as 10)!;
  if (name === 'open') return { type: name, index, key: body.toString('utf8') };
  if (name === 'publish') return { type: name, index, protocol: body.toString('utf8') };
  return { type: name, index };
}
