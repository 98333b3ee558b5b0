/** The SRTP protection profiles negotiated by DTLS-SRTP (RFC 5764, RFC 7714). */
export type SrtpProfile = 'AES_CM_128_HMAC_SHA1_80' | 'AEAD_AES_128_GCM';
