import { createCipheriv } from 'node:crypto';
import type { SrtpProfile } from '../srtp-profile.js';

/** Session keys of one direction (RFC 3711 4.3): what protects and authenticates packets. */
export interface SessionKeys {
  rtpKey: Buffer;
  rtpSalt: Buffer;
  /** HMAC-SHA1 key (AES-CM profile only; empty for GCM). */
  rtpAuth: Buffer;
  rtcpKey: Buffer;
  rtcpSalt: Buffer;
  rtcpAuth: Buffer;
}

/** Key and salt lengths of a profile (RFC 5764 4.1.2, RFC 7714 12). */
export const PROFILE_LENGTHS: Record<SrtpProfile, { key: number; salt: number }> = {
  AES_CM_128_HMAC_SHA1_80: { key: 16, salt: 14 },
  AEAD_AES_128_GCM: { key: 16, salt: 12 },
};

/**
 * The AES-CM PRF with a key derivation rate of 0 (RFC 3711 4.3.1, 4.3.3): x = label at octet 7
 * XOR the master salt (a 96-bit GCM salt is zero-padded to 112 bits, as libsrtp does).
 */
export function deriveKey(masterKey: Buffer, masterSalt: Buffer, label: number, length: number): Buffer {
  const iv = Buffer.alloc(16);
  masterSalt.copy(iv, 0, 0, Math.min(masterSalt.length, 14));
  iv[7]! ^= label;
  const cipher = createCipheriv('aes-128-ctr', masterKey, iv);
  return Buffer.concat([cipher.update(Buffer.alloc(length)), cipher.final()]);
}

export function deriveSessionKeys(profile: SrtpProfile, masterKey: Buffer, masterSalt: Buffer): SessionKeys {
  const { key, salt } = PROFILE_LENGTHS[profile];
  if (masterKey.length !== key || masterSalt.length !== salt) {
    throw new RangeError(`${profile} needs a ${key}-byte master key and ${salt}-byte salt`);
  }
  const auth = profile === 'AES_CM_128_HMAC_SHA1_80' ? 20 : 0;
  return {
    rtpKey: deriveKey(masterKey, masterSalt, 0, key),
    rtpAuth: deriveKey(masterKey, masterSalt, 1, auth),
    rtpSalt: deriveKey(masterKey, masterSalt, 2, salt),
    rtcpKey: deriveKey(masterKey, masterSalt, 3, key),
    rtcpAuth: deriveKey(masterKey, masterSalt, 4, auth),
    rtcpSalt: deriveKey(masterKey, masterSalt, 5, salt),
  };
}
