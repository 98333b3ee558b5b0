import { ProtocolError } from '../../../util/errors.js';

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

export declare function decodeStun(data: Buffer): StunMessage;
export declare function encodeStun(init: StunMessageInit): Buffer;
