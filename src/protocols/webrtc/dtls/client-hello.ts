import { ByteReader, ByteWriter } from '../../../util/bytes.js';
import { SRTP_PROFILE_IDS, type SrtpProfile } from '../srtp-profile.js';
import { Alert, DtlsError } from './alert.js';
import { ECDSA_SECP256R1_SHA256, Extension, NamedGroup, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, type Group } from './hello.js';
import { DTLS_1_2 } from './record.js';

/** What a ServerHello chose from our offer. */
export interface ServerChoice {
  random: Buffer;
  srtpProfile: SrtpProfile;
  extendedMasterSecret: boolean;
}

/**
 * A WebRTC client's ClientHello: the one suite the server role speaks, x25519 then P-256,
 * both SRTP profiles (GCM first), extended master secret and secure renegotiation, as browsers offer.
 */
export function encodeClientHello(random: Buffer, cookie: Buffer): Buffer {
  const ext = new ByteWriter();
  ext.u16(Extension.supportedGroups).u16(6).u16(4).u16(NamedGroup.x25519).u16(NamedGroup.secp256r1);
  ext.u16(Extension.ecPointFormats).u16(2).u8(1).u8(0);
  ext.u16(Extension.signatureAlgorithms).u16(4).u16(2).u16(ECDSA_SECP256R1_SHA256);
  ext.u16(Extension.useSrtp).u16(7).u16(4).u16(SRTP_PROFILE_IDS.AEAD_AES_128_GCM).u16(SRTP_PROFILE_IDS.AES_CM_128_HMAC_SHA1_80).u8(0);
  ext.u16(Extension.extendedMasterSecret).u16(0);
  ext.u16(Extension.renegotiationInfo).u16(1).u8(0);
  const extensions = ext.finish();
  return new ByteWriter(160 + cookie.length)
    .u16(DTLS_1_2)
    .bytes(random)
    .u8(0) // no session to resume
    .u8(cookie.length)
    .bytes(cookie)
    .u16(2)
    .u16(TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)
    .u8(1)
    .u8(0) // null compression
    .u16(extensions.length)
    .bytes(extensions)
    .finish();
}

export function decodeHelloVerifyRequest(body: Buffer): Buffer {
  const r = new ByteReader(body);
  r.u16();
  return r.bytes(r.u8());
}

export function decodeServerHello(body: Buffer): ServerChoice {
  const r = new ByteReader(body);
  const version = r.u16();
  if (version !== DTLS_1_2) throw new DtlsError(`server chose version 0x${version.toString(16)}`, Alert.protocolVersion);
  const random = r.bytes(32);
  r.skip(r.u8()); // session id
  const suite = r.u16();
  if (suite !== TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256) throw new DtlsError(`server chose unoffered suite 0x${suite.toString(16)}`, Alert.illegalParameter);
  if (r.u8() !== 0) throw new DtlsError('server chose a compression method', Alert.illegalParameter);
  const extensions = new Map<number, Buffer>();
  if (r.remaining > 0) {
    const er = new ByteReader(r.bytes(r.u16()));
    while (er.remaining > 0) {
      const type = er.u16();
      extensions.set(type, er.bytes(er.u16()));
    }
  }
  const useSrtp = extensions.get(Extension.useSrtp);
  if (!useSrtp || useSrtp.length < 4) throw new DtlsError('server did not agree use_srtp', Alert.handshakeFailure);
  const id = useSrtp.readUInt16BE(2);
  const srtpProfile = (Object.keys(SRTP_PROFILE_IDS) as SrtpProfile[]).find((p) => SRTP_PROFILE_IDS[p] === id);
  if (!srtpProfile) throw new DtlsError(`server chose unoffered SRTP profile ${id}`, Alert.illegalParameter);
  return { random, srtpProfile, extendedMasterSecret: extensions.has(Extension.extendedMasterSecret) };
}

/** The server's ECDHE parameters (RFC 8422 §5.4): group, its point as a ClientKeyExchange-shaped body, the signed bytes and the signature. */
export function decodeServerKeyExchange(body: Buffer): { group: Group; point: Buffer; params: Buffer; signed: Buffer } {
  const r = new ByteReader(body);
  if (r.u8() !== 3) throw new DtlsError('ServerKeyExchange without a named curve', Alert.illegalParameter);
  const id = r.u16();
  const group: Group | undefined = id === NamedGroup.x25519 ? 'x25519' : id === NamedGroup.secp256r1 ? 'secp256r1' : undefined;
  if (!group) throw new DtlsError(`server chose unoffered group ${id}`, Alert.illegalParameter);
  const length = r.u8();
  r.skip(length);
  const params = body.subarray(0, 4 + length);
  return { group, point: body.subarray(3, 4 + length), params, signed: body.subarray(4 + length) };
}
