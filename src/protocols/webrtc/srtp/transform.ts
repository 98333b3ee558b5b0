import { createCipheriv, createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto';
import type { SessionKeys } from './kdf.js';
import type { SrtpProfile } from '../srtp-profile.js';

/**
 * The per-packet cryptography of one profile, with state kept by the caller: `index` is the
 * 48-bit SRTP packet index (ROC * 65536 + SEQ) or the 31-bit SRTCP index. Unprotect returns
 * undefined when authentication fails.
 */
export interface SrtpTransform {
  protectRtp(packet: Buffer, headerLength: number, ssrc: number, index: number): Buffer;
  unprotectRtp(packet: Buffer, headerLength: number, ssrc: number, index: number): Buffer | undefined;
  /** Bytes an SRTP packet carries after the payload. */
  readonly rtpTrailer: number;
  protectRtcp(packet: Buffer, ssrc: number, index: number): Buffer;
  /** Where the E flag and SRTCP index sit in a protected RTCP packet of this length. */
  rtcpIndexOffset(length: number): number;
  /** Bytes an SRTCP packet carries after the RTCP (tag and E+index). */
  readonly rtcpTrailer: number;
  unprotectRtcp(packet: Buffer, ssrc: number, index: number, encrypted: boolean): Buffer | undefined;
}

export function createTransform(profile: SrtpProfile, keys: SessionKeys): SrtpTransform {
  return profile === 'AEAD_AES_128_GCM' ? gcmTransform(keys) : cmTransform(keys);
}

const CM_TAG = 10;
const GCM_TAG = 16;
const E_FLAG = 0x80000000;

function u32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

/** AES-CM IV (RFC 3711 4.1.1): salt * 2^16 XOR SSRC * 2^64 XOR index * 2^16. */
function cmIv(salt: Buffer, ssrc: number, index: number): Buffer {
  const iv = Buffer.alloc(16);
  salt.copy(iv, 0, 0, 14);
  iv.writeUInt32BE((iv.readUInt32BE(4) ^ ssrc) >>> 0, 4);
  iv.writeUInt16BE(iv.readUInt16BE(8) ^ Math.floor(index / 0x1_0000_0000), 8);
  iv.writeUInt32BE((iv.readUInt32BE(10) ^ index) >>> 0, 10);
  return iv;
}

function ctr(key: Buffer, iv: Buffer, data: Buffer): Buffer {
  return createCipheriv('aes-128-ctr', key, iv).update(data);
}

function cmTransform(keys: SessionKeys): SrtpTransform {
  const tag = (key: Buffer, ...parts: Buffer[]): Buffer => {
    const hmac = createHmac('sha1', key);
    for (const part of parts) hmac.update(part);
    return hmac.digest().subarray(0, CM_TAG);
  };
  return {
    rtpTrailer: CM_TAG,
    rtcpTrailer: CM_TAG + 4,
    protectRtp(packet, headerLength, ssrc, index) {
      const body = ctr(keys.rtpKey, cmIv(keys.rtpSalt, ssrc, index), packet.subarray(headerLength));
      const header = packet.subarray(0, headerLength);
      return Buffer.concat([header, body, tag(keys.rtpAuth, header, body, u32(Math.floor(index / 0x10000)))]);
    },
    unprotectRtp(packet, headerLength, ssrc, index) {
      const end = packet.length - CM_TAG;
      const expected = tag(keys.rtpAuth, packet.subarray(0, end), u32(Math.floor(index / 0x10000)));
      if (!timingSafeEqual(expected, packet.subarray(end))) return undefined;
      const body = ctr(keys.rtpKey, cmIv(keys.rtpSalt, ssrc, index), packet.subarray(headerLength, end));
      return Buffer.concat([packet.subarray(0, headerLength), body]);
    },
    protectRtcp(packet, ssrc, index) {
      const body = ctr(keys.rtcpKey, cmIv(keys.rtcpSalt, ssrc, index), packet.subarray(8));
      const signed = Buffer.concat([packet.subarray(0, 8), body, u32(E_FLAG | index)]);
      return Buffer.concat([signed, tag(keys.rtcpAuth, signed)]);
    },
    rtcpIndexOffset: (length) => length - CM_TAG - 4,
    unprotectRtcp(packet, ssrc, index, encrypted) {
      const end = packet.length - CM_TAG;
      if (!timingSafeEqual(tag(keys.rtcpAuth, packet.subarray(0, end)), packet.subarray(end))) return undefined;
      const body = packet.subarray(8, end - 4);
      return Buffer.concat([packet.subarray(0, 8), encrypted ? ctr(keys.rtcpKey, cmIv(keys.rtcpSalt, ssrc, index), body) : body]);
    },
  };
}

/** GCM IVs (RFC 7714 8.1, 9.1): 0x0000 || SSRC || ROC || SEQ, or 0x0000 || SSRC || 0x0000 || index; XOR salt. */
function gcmIv(salt: Buffer, ssrc: number, high: number, low: number, lowBytes: 2 | 4): Buffer {
  const iv = Buffer.alloc(12);
  iv.writeUInt32BE(ssrc >>> 0, 2);
  if (lowBytes === 2) {
    iv.writeUInt32BE(high >>> 0, 6);
    iv.writeUInt16BE(low, 10);
  } else {
    iv.writeUInt32BE(low >>> 0, 8);
  }
  for (let i = 0; i < 12; i++) iv[i]! ^= salt[i]!;
  return iv;
}

function seal(key: Buffer, iv: Buffer, aad: Buffer, plain: Buffer): Buffer[] {
  const cipher = createCipheriv('aes-128-gcm', key, iv, { authTagLength: GCM_TAG });
  cipher.setAAD(aad);
  const body = cipher.update(plain);
  cipher.final();
  return [body, cipher.getAuthTag()];
}

function open(key: Buffer, iv: Buffer, aad: Buffer, sealed: Buffer, tag: Buffer): Buffer | undefined {
  const decipher = createDecipheriv('aes-128-gcm', key, iv, { authTagLength: GCM_TAG });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  const body = decipher.update(sealed);
  try {
    decipher.final();
  } catch {
    return undefined;
  }
  return body;
}

function gcmTransform(keys: SessionKeys): SrtpTransform {
  const rtpIv = (ssrc: number, index: number) => gcmIv(keys.rtpSalt, ssrc, Math.floor(index / 0x10000), index % 0x10000, 2);
  return {
    rtpTrailer: GCM_TAG,
    rtcpTrailer: GCM_TAG + 4,
    protectRtp(packet, headerLength, ssrc, index) {
      const header = packet.subarray(0, headerLength);
      return Buffer.concat([header, ...seal(keys.rtpKey, rtpIv(ssrc, index), header, packet.subarray(headerLength))]);
    },
    unprotectRtp(packet, headerLength, ssrc, index) {
      const end = packet.length - GCM_TAG;
      const header = packet.subarray(0, headerLength);
      const body = open(keys.rtpKey, rtpIv(ssrc, index), header, packet.subarray(headerLength, end), packet.subarray(end));
      return body && Buffer.concat([header, body]);
    },
    protectRtcp(packet, ssrc, index) {
      const trailer = u32(E_FLAG | index);
      const header = packet.subarray(0, 8);
      const iv = gcmIv(keys.rtcpSalt, ssrc, 0, index, 4);
      return Buffer.concat([header, ...seal(keys.rtcpKey, iv, Buffer.concat([header, trailer]), packet.subarray(8)), trailer]);
    },
    rtcpIndexOffset: (length) => length - 4,
    unprotectRtcp(packet, ssrc, index, encrypted) {
      const trailer = packet.subarray(packet.length - 4);
      const tagAt = packet.length - 4 - GCM_TAG;
      const tag = packet.subarray(tagAt, tagAt + GCM_TAG);
      const iv = gcmIv(keys.rtcpSalt, ssrc, 0, index, 4);
      if (!encrypted) {
        // Unencrypted SRTCP (RFC 7714 9.2): the whole packet is authenticated data.
        const rtcp = packet.subarray(0, tagAt);
        return open(keys.rtcpKey, iv, Buffer.concat([rtcp, trailer]), Buffer.alloc(0), tag) && Buffer.from(rtcp);
      }
      const header = packet.subarray(0, 8);
      const body = open(keys.rtcpKey, iv, Buffer.concat([header, trailer]), packet.subarray(8, tagAt), tag);
      return body && Buffer.concat([header, body]);
    },
  };
}
