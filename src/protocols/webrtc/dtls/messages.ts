import { X509Certificate, constants, createECDH, createPublicKey, diffieHellman, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { ByteReader, ByteWriter } from '../../../util/bytes.js';
import { fingerprintOf } from '../certificate.js';
import { Alert, DtlsError } from './alert.js';
import { ECDSA_SECP256R1_SHA256, NamedGroup, type Group } from './hello.js';

/** The server's ephemeral ECDHE key for one handshake. */
export class KeyShare {
  private constructor(
    readonly group: Group,
    readonly publicKey: Buffer,
    private readonly derive: (peer: Buffer) => Buffer,
  ) {}

  static generate(group: Group): KeyShare {
    if (group === 'secp256r1') {
      const ecdh = createECDH('prime256v1');
      return new KeyShare(group, ecdh.generateKeys(), (peer) => {
        if (peer.length !== 65 || peer[0] !== 4) throw new Error('not an uncompressed P-256 point');
        return ecdh.computeSecret(peer);
      });
    }
    const pair = generateKeyPairSync('x25519');
    const raw = Buffer.from(pair.publicKey.export({ format: 'jwk' }).x!, 'base64url');
    return new KeyShare(group, raw, (peer) => {
      if (peer.length !== 32) throw new Error('not a 32-byte x25519 key');
      const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: peer.toString('base64url') }, format: 'jwk' });
      return diffieHellman({ privateKey: pair.privateKey, publicKey });
    });
  }

  /** The pre-master secret from the client's ClientKeyExchange body. */
  preMasterSecret(clientKeyExchange: Buffer): Buffer {
    const r = new ByteReader(clientKeyExchange);
    const point = r.bytes(r.u8());
    try {
      return this.derive(point);
    } catch (cause) {
      throw new DtlsError(`bad ECDHE public key: ${(cause as Error).message}`, Alert.illegalParameter, { cause });
    }
  }
}

export function encodeCertificate(der: Buffer): Buffer {
  return new ByteWriter(der.length + 6).u24(der.length + 3).u24(der.length).bytes(der).finish();
}

/** The peer's leaf certificate (the first of its chain); WebRTC trusts it only by fingerprint. */
export function decodeClientCertificate(body: Buffer, who = 'client'): X509Certificate {
  const r = new ByteReader(body);
  const list = new ByteReader(r.bytes(r.u24()));
  if (list.remaining === 0) throw new DtlsError(`${who} sent no certificate`, Alert.handshakeFailure);
  const der = list.bytes(list.u24());
  try {
    return new X509Certificate(der);
  } catch (cause) {
    throw new DtlsError(`${who} certificate does not parse`, Alert.badCertificate, { cause });
  }
}

/** ECDHE parameters signed with the server's certificate key over both randoms (RFC 8422 §5.4). */
export function encodeServerKeyExchange(share: KeyShare, clientRandom: Buffer, serverRandom: Buffer, key: KeyObject): Buffer {
  const params = new ByteWriter(70).u8(3).u16(NamedGroup[share.group]).u8(share.publicKey.length).bytes(share.publicKey).finish();
  const signature = sign('sha256', Buffer.concat([clientRandom, serverRandom, params]), { key, dsaEncoding: 'der' });
  return new ByteWriter(160).bytes(params).u16(ECDSA_SECP256R1_SHA256).u16(signature.length).bytes(signature).finish();
}

/** Signature schemes accepted in the client's CertificateVerify, by wire id. */
const verifiers: ReadonlyMap<number, (data: Buffer, key: KeyObject, signature: Buffer) => boolean> = new Map([
  [ECDSA_SECP256R1_SHA256, (d, key, s) => verify('sha256', d, { key, dsaEncoding: 'der' }, s)],
  [0x0503, (d, key, s) => verify('sha384', d, { key, dsaEncoding: 'der' }, s)],
  [0x0804, (d, key, s) => verify('sha256', d, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, s)],
  [0x0401, (d, key, s) => verify('sha256', d, { key, padding: constants.RSA_PKCS1_PADDING }, s)],
]);

/** Asks for an ECDSA or RSA client certificate, naming no authorities (self-signed is the norm). */
export function encodeCertificateRequest(): Buffer {
  const w = new ByteWriter(20).u8(2).u8(64).u8(1); // ecdsa_sign, rsa_sign
  w.u16(verifiers.size * 2);
  for (const id of verifiers.keys()) w.u16(id);
  return w.u16(0).finish();
}

/** Checks the client's CertificateVerify: its signature over every handshake message before it. */
export function verifyCertificateVerify(body: Buffer, transcript: Buffer, certificate: X509Certificate): void {
  verifyDigitallySigned(body, transcript, certificate, 'CertificateVerify');
}

/** A `DigitallySigned` (scheme, signature) over `data` by the certificate's key: CertificateVerify, or a ServerKeyExchange's tail. */
export function verifyDigitallySigned(body: Buffer, data: Buffer, certificate: X509Certificate, what: string): void {
  const r = new ByteReader(body);
  const scheme = r.u16();
  const signature = r.bytes(r.u16());
  const check = verifiers.get(scheme);
  if (!check) throw new DtlsError(`${what} with unoffered scheme 0x${scheme.toString(16)}`, Alert.illegalParameter);
  let ok = false;
  try {
    ok = check(data, certificate.publicKey, signature);
  } catch (cause) {
    throw new DtlsError(`${what} signature unusable`, Alert.decryptError, { cause });
  }
  if (!ok) throw new DtlsError(`${what} signature does not verify`, Alert.decryptError);
}

/** WebRTC trusts the peer's self-signed certificate only when it matches the fingerprint signalled in SDP. */
export function checkFingerprint(certificate: X509Certificate, expected: { algorithm: string; value: string }, who = 'client'): void {
  // SDP names hashes 'sha-256'; node:crypto calls them 'sha256'.
  const algorithm = expected.algorithm.toLowerCase().replace('-', '');
  let actual: string;
  try {
    actual = fingerprintOf(certificate.raw, algorithm);
  } catch (cause) {
    throw new DtlsError(`fingerprint algorithm ${expected.algorithm} unsupported`, Alert.badCertificate, { cause });
  }
  if (actual !== expected.value.toUpperCase()) {
    throw new DtlsError(`${who} certificate fingerprint ${actual} is not the signalled ${expected.value}`, Alert.badCertificate);
  }
}
