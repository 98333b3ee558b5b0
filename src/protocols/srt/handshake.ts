import { ProtocolError } from '../../util/errors.js';

/** The 48-byte handshake body that follows the control header. */
export const HANDSHAKE_SIZE = 48;
/** Put in the extension field of a listener's induction answer, to say it speaks HSv5. */
export const SRT_MAGIC = 0x4a17;

export enum HandshakeType {
  Done = -3,
  Agreement = -2,
  Conclusion = -1,
  WaveAHand = 0,
  Induction = 1,
}

/** Extension field bits of a conclusion (HSv5). */
export const ExtFlag = { HsReq: 0x1, KmReq: 0x2, Config: 0x4 } as const;

/** Request type of a rejection: libsrt adds its reject reason to this. */
export const REJECTION_BASE = 1000;

export interface Handshake {
  version: number;
  /** Upper 16 bits of the type word: the advertised key length / 8 (2, 3, 4) or 0. */
  encryption: number;
  /** Lower 16 bits: SRT_MAGIC (induction answer) or the ExtFlag bits (conclusion). */
  extension: number;
  initialSeq: number;
  mtu: number;
  flowWindow: number;
  /** A HandshakeType, or REJECTION_BASE + reason. */
  type: number;
  socketId: number;
  cookie: number;
  /** The peer's IP as 16 bytes (IPv4 in the first 4, little-endian as libsrt writes it). */
  peerIp: Buffer;
  extensions: HandshakeExtension[];
}

/** One extension block: type, then its content (a whole number of 32-bit words). */
export interface HandshakeExtension {
  type: number;
  content: Buffer;
}

export function decodeHandshake(body: Buffer): Handshake {
  if (body.length < HANDSHAKE_SIZE) throw new ProtocolError(`SRT handshake of ${body.length} bytes, expected ${HANDSHAKE_SIZE}`);
  return {
    version: body.readUInt32BE(0),
    encryption: body.readUInt16BE(4),
    extension: body.readUInt16BE(6),
    initialSeq: body.readUInt32BE(8),
    mtu: body.readUInt32BE(12),
    flowWindow: body.readUInt32BE(16),
    type: body.readInt32BE(20),
    socketId: body.readUInt32BE(24),
    cookie: body.readUInt32BE(28),
    peerIp: Buffer.from(body.subarray(32, 48)),
    extensions: decodeExtensions(body.subarray(HANDSHAKE_SIZE)),
  };
}

function decodeExtensions(blocks: Buffer): HandshakeExtension[] {
  const extensions: HandshakeExtension[] = [];
  let offset = 0;
  while (offset + 4 <= blocks.length) {
    const type = blocks.readUInt16BE(offset);
    const bytes = blocks.readUInt16BE(offset + 2) * 4;
    offset += 4;
    if (offset + bytes > blocks.length) throw new ProtocolError(`SRT handshake extension ${type} runs past the packet`);
    extensions.push({ type, content: blocks.subarray(offset, offset + bytes) });
    offset += bytes;
  }
  if (offset !== blocks.length) throw new ProtocolError('SRT handshake extensions end in a partial block');
  return extensions;
}

export function encodeHandshake(hs: Handshake): Buffer {
  const blocks = hs.extensions.map((ext) => {
    if (ext.content.length % 4 !== 0) throw new RangeError('extension content must be whole 32-bit words');
    const head = Buffer.alloc(4);
    head.writeUInt16BE(ext.type, 0);
    head.writeUInt16BE(ext.content.length / 4, 2);
    return Buffer.concat([head, ext.content]);
  });
  const out = Buffer.alloc(HANDSHAKE_SIZE);
  out.writeUInt32BE(hs.version >>> 0, 0);
  out.writeUInt16BE(hs.encryption, 4);
  out.writeUInt16BE(hs.extension, 6);
  out.writeUInt32BE(hs.initialSeq >>> 0, 8);
  out.writeUInt32BE(hs.mtu >>> 0, 12);
  out.writeUInt32BE(hs.flowWindow >>> 0, 16);
  out.writeInt32BE(hs.type | 0, 20);
  out.writeUInt32BE(hs.socketId >>> 0, 24);
  out.writeUInt32BE(hs.cookie >>> 0, 28);
  hs.peerIp.copy(out, 32, 0, 16);
  return Buffer.concat([out, ...blocks]);
}

/** The peer address field as libsrt fills it: IPv4 as one little-endian word, IPv6 as 16 bytes. */
export function peerIpField(address: string): Buffer {
  const out = Buffer.alloc(16);
  const v4 = /^(?:::ffff:)?(\d+)\.(\d+)\.(\d+)\.(\d+)$/i.exec(address);
  if (v4) {
    for (let i = 0; i < 4; i++) out[3 - i] = Number(v4[i + 1]);
    return out;
  }
  return out; // IPv6: left zero, peers do not rely on it
}
