/**
 * The SRTP protection profiles a DTLS-SRTP handshake can agree on (RFC 5764, RFC 7714), and the
 * keying material it hands to SRTP. Shared by the DTLS server (which negotiates and exports the
 * keys) and the SRTP sessions (which use them).
 */
export type SrtpProfile = 'AES_CM_128_HMAC_SHA1_80' | 'AEAD_AES_128_GCM';

/** Key and salt for each direction, as exported by "EXTRACTOR-dtls_srtp" after the handshake. */
export interface SrtpKeyMaterial {
  profile: SrtpProfile;
  /** What this side (the server) protects its outgoing packets with. */
  localKey: Buffer;
  localSalt: Buffer;
  /** What the peer protects its packets with: used to unprotect what arrives. */
  remoteKey: Buffer;
  remoteSalt: Buffer;
}

/** Wire id in the use_srtp extension (IANA "DTLS-SRTP Protection Profiles"). */
export const SRTP_PROFILE_IDS: Readonly<Record<SrtpProfile, number>> = {
  AES_CM_128_HMAC_SHA1_80: 0x0001,
  AEAD_AES_128_GCM: 0x0007,
};

/** Master key and salt lengths in bytes: GCM uses a 12-byte salt (RFC 7714 §12), CM a 14-byte one. */
export function srtpKeyLengths(profile: SrtpProfile): { keyLength: number; saltLength: number } {
  return profile === 'AEAD_AES_128_GCM' ? { keyLength: 16, saltLength: 12 } : { keyLength: 16, saltLength: 14 };
}
