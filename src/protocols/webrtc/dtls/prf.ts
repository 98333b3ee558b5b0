import { createHash, createHmac } from 'node:crypto';

/** TLS 1.2 PRF with SHA-256 (RFC 5246 §5): P_SHA256(secret, label + seed). */
export function prf(secret: Buffer, label: string, seed: Buffer, length: number): Buffer {
  const labelSeed = Buffer.concat([Buffer.from(label, 'ascii'), seed]);
  const out: Buffer[] = [];
  let a = labelSeed;
  for (let have = 0; have < length; ) {
    a = createHmac('sha256', secret).update(a).digest();
    const block = createHmac('sha256', secret).update(a).update(labelSeed).digest();
    out.push(block);
    have += block.length;
  }
  return Buffer.concat(out).subarray(0, length);
}

export const sha256 = (parts: Buffer[]): Buffer => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};

/**
 * The master secret: with extended_master_secret (RFC 7627) it is bound to the hash of the
 * handshake up to ClientKeyExchange, so a man in the middle cannot sync two sessions' keys.
 */
export function masterSecret(preMaster: Buffer, clientRandom: Buffer, serverRandom: Buffer, sessionHash: Buffer | undefined): Buffer {
  return sessionHash
    ? prf(preMaster, 'extended master secret', sessionHash, 48)
    : prf(preMaster, 'master secret', Buffer.concat([clientRandom, serverRandom]), 48);
}

/** AES-GCM key block (RFC 5288): client key, server key, client 4-byte salt, server 4-byte salt. */
export function gcmKeys(master: Buffer, clientRandom: Buffer, serverRandom: Buffer, keyLength: number) {
  const block = prf(master, 'key expansion', Buffer.concat([serverRandom, clientRandom]), 2 * keyLength + 8);
  return {
    clientKey: block.subarray(0, keyLength),
    serverKey: block.subarray(keyLength, 2 * keyLength),
    clientSalt: block.subarray(2 * keyLength, 2 * keyLength + 4),
    serverSalt: block.subarray(2 * keyLength + 4, 2 * keyLength + 8),
  };
}

/** RFC 5705 exporter without context: how DTLS-SRTP derives the SRTP master keys. */
export const exportKeyingMaterial = (master: Buffer, label: string, clientRandom: Buffer, serverRandom: Buffer, length: number): Buffer =>
  prf(master, label, Buffer.concat([clientRandom, serverRandom]), length);

/** Finished verify_data: 12 bytes over the handshake hash so far. */
export const verifyData = (master: Buffer, sender: 'client' | 'server', transcriptHash: Buffer): Buffer =>
  prf(master, `${sender} finished`, transcriptHash, 12);
