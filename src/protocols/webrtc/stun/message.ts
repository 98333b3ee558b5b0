import { createHmac } from 'node:crypto';
import { ProtocolError } from '../../../util/errors.js';
import { crc32 } from './crc32.js';
import { readAddress, writeAddress } from './address.js';

/** STUN message classes (RFC 5389 6), as the two class bits of the message type. */
export type StunClass = 'request' | 'indication' | 'success' | 'error';

export const STUN_BINDING = 0x001;
export const MAGIC_COOKIE = 0x2112a442;
export const HEADER_BYTES = 20;

/** Attribute types this side understands (RFC 5389 18.2, RFC 8445 19.1). */
export const StunAttr = {
  MappedAddress: 0x0001,
  Username: 0x0006,
  MessageIntegrity: 0x0008,
  ErrorCode: 0x0009,
  UnknownAttributes: 0x000a,
  XorMappedAddress: 0x0020,
  Priority: 0x0024,
  UseCandidate: 0x0025,
  Software: 0x8022,
  Fingerprint: 0x8028,
  IceControlled: 0x8029,
  IceControlling: 0x802a,
} as const;

export interface StunAddress {
  family: 'IPv4' | 'IPv6';
  address: string;
  port: number;
}

/** One attribute as read: `offset` is where its type field starts in `raw`. */
export interface StunAttribute {
  type: number;
  value: Buffer;
  offset: number;
}

/** A decoded STUN message: the typed attributes it carried, and the bytes for integrity checks. */
export interface StunMessage {
  method: number;
  class: StunClass;
  transactionId: Buffer;
  attributes: StunAttribute[];
  username?: string;
  priority?: number;
  useCandidate: boolean;
  iceControlling?: bigint;
  iceControlled?: bigint;
  xorMappedAddress?: StunAddress;
  errorCode?: { code: number; reason: string };
  /** Offset of the MESSAGE-INTEGRITY attribute in `raw`, when present. */
  integrityOffset?: number;
  /** Offset of the FINGERPRINT attribute in `raw`, when present. */
  fingerprintOffset?: number;
  raw: Buffer;
}

/** What to write: attributes in order; MESSAGE-INTEGRITY and FINGERPRINT are appended by `encodeStun`. */
export interface StunMessageInit {
  method: number;
  class: StunClass;
  transactionId: Buffer;
  username?: string;
  priority?: number;
  useCandidate?: boolean;
  iceControlling?: bigint;
  iceControlled?: bigint;
  xorMappedAddress?: StunAddress;
  errorCode?: { code: number; reason: string };
  /** Key for MESSAGE-INTEGRITY (the ice-pwd, short-term credentials); none: no integrity. */
  integrityKey?: string | Buffer;
  fingerprint?: boolean;
}

export class StunError extends ProtocolError {}

export const FINGERPRINT_XOR = 0x5354554e;
const CLASSES: StunClass[] = ['request', 'indication', 'success', 'error'];

/** Reads a STUN message with bounds checks; anything malformed is a StunError. */
export function decodeStun(data: Buffer): StunMessage {
  if (data.length < HEADER_BYTES) throw new StunError(`STUN message of ${data.length} bytes is shorter than its header`);
  const type = data.readUInt16BE(0);
  if (type & 0xc000) throw new StunError('STUN message type has its top bits set');
  if (data.readUInt32BE(4) !== MAGIC_COOKIE) throw new StunError('STUN message without the magic cookie');
  const length = data.readUInt16BE(2);
  if (length % 4 !== 0 || HEADER_BYTES + length !== data.length) {
    throw new StunError(`STUN length ${length} does not match a datagram of ${data.length} bytes`);
  }
  const message: StunMessage = {
    method: (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2),
    class: CLASSES[((type & 0x0100) >> 7) | ((type & 0x0010) >> 4)]!,
    transactionId: data.subarray(8, 20),
    attributes: [],
    useCandidate: false,
    raw: data,
  };
  let at = HEADER_BYTES;
  while (at < data.length) {
    if (at + 4 > data.length) throw new StunError('truncated STUN attribute header');
    const attrType = data.readUInt16BE(at);
    const attrLength = data.readUInt16BE(at + 2);
    if (at + 4 + attrLength > data.length) throw new StunError(`STUN attribute 0x${attrType.toString(16)} overruns the message`);
    if (message.fingerprintOffset !== undefined) throw new StunError('STUN attribute after FINGERPRINT');
    const value = data.subarray(at + 4, at + 4 + attrLength);
    // After MESSAGE-INTEGRITY only FINGERPRINT counts (RFC 5389 15.4).
    if (message.integrityOffset === undefined || attrType === StunAttr.Fingerprint) {
      message.attributes.push({ type: attrType, value, offset: at });
      readAttribute(message, attrType, value, at);
    }
    at += 4 + ((attrLength + 3) & ~3);
  }
  return message;
}

function readAttribute(message: StunMessage, type: number, value: Buffer, offset: number): void {
  const need = (n: number): void => {
    if (value.length !== n) throw new StunError(`STUN attribute 0x${type.toString(16)} of ${value.length} bytes, expected ${n}`);
  };
  switch (type) {
    case StunAttr.Username:
      if (value.length > 513) throw new StunError('STUN USERNAME longer than 513 bytes');
      message.username = value.toString('utf8');
      break;
    case StunAttr.MessageIntegrity:
      need(20);
      message.integrityOffset = offset;
      break;
    case StunAttr.Fingerprint:
      need(4);
      message.fingerprintOffset = offset;
      break;
    case StunAttr.Priority:
      need(4);
      message.priority = value.readUInt32BE(0);
      break;
    case StunAttr.UseCandidate:
      need(0);
      message.useCandidate = true;
      break;
    case StunAttr.IceControlling:
      need(8);
      message.iceControlling = value.readBigUInt64BE(0);
      break;
    case StunAttr.IceControlled:
      need(8);
      message.iceControlled = value.readBigUInt64BE(0);
      break;
    case StunAttr.XorMappedAddress:
      message.xorMappedAddress = readAddress(value, message.raw.subarray(4, 20));
      break;
    case StunAttr.ErrorCode:
      if (value.length < 4) throw new StunError('truncated STUN ERROR-CODE');
      message.errorCode = { code: (value[2]! & 0x07) * 100 + value[3]!, reason: value.subarray(4).toString('utf8') };
      break;
  }
}

/** Writes a STUN message; MESSAGE-INTEGRITY and FINGERPRINT last, as RFC 5389 15.4/15.5 order them. */
export function encodeStun(init: StunMessageInit): Buffer {
  if (init.transactionId.length !== 12) throw new RangeError('STUN transaction id must be 12 bytes');
  const attrs: Buffer[] = [];
  const add = (type: number, value: Buffer): void => {
    const header = Buffer.alloc(4);
    header.writeUInt16BE(type, 0);
    header.writeUInt16BE(value.length, 2);
    attrs.push(header, value, Buffer.alloc((4 - (value.length % 4)) % 4));
  };
  const u32 = (n: number): Buffer => Buffer.from([n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
  const u64 = (n: bigint): Buffer => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(n);
    return b;
  };
  if (init.username !== undefined) add(StunAttr.Username, Buffer.from(init.username, 'utf8'));
  if (init.errorCode) {
    const reason = Buffer.from(init.errorCode.reason, 'utf8');
    add(StunAttr.ErrorCode, Buffer.concat([Buffer.from([0, 0, Math.floor(init.errorCode.code / 100), init.errorCode.code % 100]), reason]));
  }
  if (init.xorMappedAddress) add(StunAttr.XorMappedAddress, writeAddress(init.xorMappedAddress, init.transactionId));
  if (init.priority !== undefined) add(StunAttr.Priority, u32(init.priority));
  if (init.useCandidate) add(StunAttr.UseCandidate, Buffer.alloc(0));
  if (init.iceControlling !== undefined) add(StunAttr.IceControlling, u64(init.iceControlling));
  if (init.iceControlled !== undefined) add(StunAttr.IceControlled, u64(init.iceControlled));

  const header = Buffer.alloc(HEADER_BYTES);
  const classBits = CLASSES.indexOf(init.class);
  const m = init.method;
  header.writeUInt16BE((m & 0x000f) | ((m & 0x0070) << 1) | ((m & 0x0f80) << 2) | ((classBits & 1) << 4) | ((classBits & 2) << 7), 0);
  header.writeUInt32BE(MAGIC_COOKIE, 4);
  init.transactionId.copy(header, 8);
  let body = Buffer.concat(attrs);
  if (init.integrityKey !== undefined) {
    // The HMAC covers the header with a length that already counts MESSAGE-INTEGRITY itself.
    header.writeUInt16BE(body.length + 24, 2);
    const mac = createHmac('sha1', init.integrityKey).update(header).update(body).digest();
    body = Buffer.concat([body, Buffer.from([0x00, 0x08, 0x00, 0x14]), mac]);
  }
  if (init.fingerprint) {
    header.writeUInt16BE(body.length + 8, 2);
    const crc = (crc32(Buffer.concat([header, body])) ^ FINGERPRINT_XOR) >>> 0;
    body = Buffer.concat([body, Buffer.from([0x80, 0x28, 0x00, 0x04]), u32(crc)]);
  }
  header.writeUInt16BE(body.length, 2);
  return Buffer.concat([header, body]);
}
