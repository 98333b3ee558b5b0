import { ProtocolError } from '../../util/errors.js';

/**
 * The keying material message (KM) of SRT encryption, as libsrt's HaiCrypt writes it: carried
 * in the handshake (KMREQ/KMRSP extensions) and in key-refresh control packets, in network
 * order (libsrt pre-swaps it, so unlike the stream id it is not byte-reversed per word).
 *
 *   0: 0|version(3)|packet type(4) | sign (16, 0x2029 "HAI") | reserved(6)|KK(2)
 *   4: KEKI (32)
 *   8: cipher | auth | stream encapsulation | reserved
 *  12: reserved (16) | salt length / 4 | key length / 4
 *  16: salt, then the wrapped key(s): RFC 3394 over the even key then the odd key
 */
export const KM_VERSION = 1;
export const KM_PACKET_TYPE = 2;
export const KM_SIGN = 0x2029;
const HEADER = 16;
/** RFC 3394 adds one 64-bit integrity block to what it wraps. */
export const WRAP_OVERHEAD = 8;

/** Which stream encrypting keys a KM (KK) or a data packet's header carries. */
export const KeyFlag = { None: 0, Even: 1, Odd: 2, Both: 3 } as const;

export const Cipher = { None: 0, AesEcb: 1, AesCtr: 2, AesCbc: 3, AesGcm: 4 } as const;

/** Stream encapsulation: SRT's is 2 (1 is TS over plain UDP). */
export const SE_SRT = 2;

/** What a KMRSP of one word reports instead of the echoed KM (SRT_KM_S_*). */
export const KmState = { Unsecured: 0, Securing: 1, Secured: 2, NoSecret: 3, BadSecret: 4, BadCryptoMode: 5 } as const;

export interface KeyMaterial {
  /** KK: KeyFlag.Even, Odd or Both. */
  keys: number;
  keki: number;
  cipher: number;
  auth: number;
  se: number;
  salt: Buffer;
  /** Bytes per key: 16, 24 or 32. */
  keyLength: number;
  /** The wrapped key(s): keyLength per key plus WRAP_OVERHEAD. */
  wrapped: Buffer;
}

export const KEY_LENGTHS: readonly number[] = [16, 24, 32];

export function decodeKm(bytes: Buffer): KeyMaterial {
  if (bytes.length < HEADER) throw new ProtocolError(`SRT key material of ${bytes.length} bytes`);
  const version = bytes[0]! >> 4;
  const packetType = bytes[0]! & 0xf;
  if (version !== KM_VERSION || packetType !== KM_PACKET_TYPE || bytes.readUInt16BE(1) !== KM_SIGN) {
    throw new ProtocolError(`SRT key material of version ${version}, type ${packetType}, sign ${bytes.readUInt16BE(1).toString(16)}`);
  }
  const keys = bytes[3]! & 0x3;
  const saltLength = bytes[14]! * 4;
  const keyLength = bytes[15]! * 4;
  if (keys === KeyFlag.None) throw new ProtocolError('SRT key material with no key');
  if (!KEY_LENGTHS.includes(keyLength)) throw new ProtocolError(`SRT key material with a key of ${keyLength} bytes`);
  if (saltLength !== 16) throw new ProtocolError(`SRT key material with a salt of ${saltLength} bytes`);
  const count = keys === KeyFlag.Both ? 2 : 1;
  const end = HEADER + saltLength + count * keyLength + WRAP_OVERHEAD;
  if (bytes.length < end) throw new ProtocolError(`SRT key material of ${bytes.length} bytes, ${end} expected`);
  return {
    keys,
    keki: bytes.readUInt32BE(4),
    cipher: bytes[8]!,
    auth: bytes[9]!,
    se: bytes[10]!,
    salt: Buffer.from(bytes.subarray(HEADER, HEADER + saltLength)),
    keyLength,
    wrapped: Buffer.from(bytes.subarray(HEADER + saltLength, end)),
  };
}

export function encodeKm(km: KeyMaterial): Buffer {
  const out = Buffer.alloc(HEADER);
  out[0] = (KM_VERSION << 4) | KM_PACKET_TYPE;
  out.writeUInt16BE(KM_SIGN, 1);
  out[3] = km.keys & 0x3;
  out.writeUInt32BE(km.keki >>> 0, 4);
  out[8] = km.cipher;
  out[9] = km.auth;
  out[10] = km.se;
  out[14] = km.salt.length / 4;
  out[15] = km.keyLength / 4;
  return Buffer.concat([out, km.salt, km.wrapped]);
}

/** A KMRSP that reports a failure: one word, the KmState. */
export function encodeKmState(state: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(state, 0);
  return out;
}
