import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { bitString, explicit, oid, sequence, set, smallInteger, unsignedInteger, utcTime, utf8String } from './dtls/der.js';

/** The server's DTLS identity: its certificate, its key, and the fingerprint that goes in SDP. */
export interface DtlsCertificate {
  der: Buffer;
  privateKey: KeyObject;
  /** sha-256 of `der` as uppercase hex pairs joined by ':' (the a=fingerprint value). */
  fingerprint: string;
}

const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const COMMON_NAME = '2.5.4.3';
const DAY_MS = 86_400_000;

/** a=fingerprint form of a digest over DER bytes: 'AB:CD:…'. */
export function fingerprintOf(der: Buffer, algorithm = 'sha256'): string {
  const hex = createHash(algorithm).update(der).digest('hex').toUpperCase();
  return hex.match(/../g)!.join(':');
}

/**
 * A fresh ECDSA P-256 self-signed certificate. Peers trust it only through the fingerprint in
 * the signalled SDP, so names and extensions carry nothing; the validity spans a day either side
 * of a month so clock skew between peers does not matter (browsers use 30 days too).
 */
export function generateCertificate(now = new Date(), commonName = 'sluice'): DtlsCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const algorithm = sequence(oid(ECDSA_WITH_SHA256));
  const name = sequence(set(sequence(oid(COMMON_NAME), utf8String(commonName))));
  const serial = randomBytes(16);
  serial[0]! &= 0x7f; // positive, as RFC 5280 requires
  const tbs = sequence(
    explicit(0, smallInteger(2)), // v3
    unsignedInteger(serial),
    algorithm,
    name,
    sequence(utcTime(new Date(now.getTime() - DAY_MS)), utcTime(new Date(now.getTime() + 31 * DAY_MS))),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  const signature = sign('sha256', tbs, { key: privateKey, dsaEncoding: 'der' });
  const der = sequence(tbs, algorithm, bitString(signature));
  return { der, privateKey, fingerprint: fingerprintOf(der) };
}
