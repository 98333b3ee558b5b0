import { ProtocolError } from '../../util/errors.js';
import type { HandshakeExtension } from './handshake.js';

/** Handshake extension types (SRT_CMD_*). */
export enum ExtensionType {
  HsReq = 1,
  HsRsp = 2,
  KmReq = 3,
  KmRsp = 4,
  Sid = 5,
  Congestion = 6,
  Filter = 7,
  Group = 8,
}

/** SRT_OPT_* flags of HSREQ/HSRSP. */
export const SrtFlag = {
  TsbpdSnd: 0x01,
  TsbpdRcv: 0x02,
  HaiCrypt: 0x04,
  TlPktDrop: 0x08,
  NakReport: 0x10,
  RexmitFlg: 0x20,
  Stream: 0x40,
  PacketFilter: 0x80,
} as const;

/** The SRT version Sluice announces (1.5.0, as a libsrt peer would read it). */
export const SRT_VERSION = 0x010500;

export interface SrtCapabilities {
  version: number;
  flags: number;
  /** The latency the sender of this block wants as receiver, in ms. */
  receiverLatency: number;
  /** The latency the sender of this block asks of its peer's receiver, in ms. */
  senderLatency: number;
}

export function decodeCapabilities(content: Buffer): SrtCapabilities {
  if (content.length < 12) throw new ProtocolError(`SRT HSREQ/HSRSP of ${content.length} bytes, expected 12`);
  return {
    version: content.readUInt32BE(0),
    flags: content.readUInt32BE(4),
    receiverLatency: content.readUInt16BE(8),
    senderLatency: content.readUInt16BE(10),
  };
}

export function encodeCapabilities(type: ExtensionType.HsReq | ExtensionType.HsRsp, caps: SrtCapabilities): HandshakeExtension {
  const content = Buffer.alloc(12);
  content.writeUInt32BE(caps.version >>> 0, 0);
  content.writeUInt32BE(caps.flags >>> 0, 4);
  content.writeUInt16BE(caps.receiverLatency & 0xffff, 8);
  content.writeUInt16BE(caps.senderLatency & 0xffff, 10);
  return { type, content };
}

/** The longest stream id libsrt accepts. */
export const MAX_STREAM_ID = 512;

/**
 * The stream id: libsrt writes it in 32-bit words with the bytes of each word reversed, padded
 * with zeros.
 */
export function decodeStreamId(content: Buffer): string {
  if (content.length > MAX_STREAM_ID) throw new ProtocolError(`SRT stream id of ${content.length} bytes, more than ${MAX_STREAM_ID}`);
  const bytes = swapWords(content);
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end === -1 ? bytes.length : end).toString('utf8');
}

export function encodeStreamId(streamId: string): HandshakeExtension {
  const text = Buffer.from(streamId, 'utf8');
  const padded = Buffer.alloc(Math.ceil(text.length / 4) * 4);
  text.copy(padded);
  return { type: ExtensionType.Sid, content: swapWords(padded) };
}

function swapWords(content: Buffer): Buffer {
  const out = Buffer.alloc(content.length);
  for (let i = 0; i + 4 <= content.length; i += 4) out.writeUInt32LE(content.readUInt32BE(i), i);
  return out;
}
