import { ByteReader, ByteWriter } from '../../../util/bytes.js';
import { SRTP_PROFILE_IDS, type SrtpProfile } from '../srtp-profile.js';
import { Alert, DtlsError } from './alert.js';
import { DTLS_1_2 } from './record.js';

export const TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 = 0xc02b;
const EMPTY_RENEGOTIATION_SCSV = 0x00ff;

export const Extension = {
  supportedGroups: 10,
  ecPointFormats: 11,
  signatureAlgorithms: 13,
  useSrtp: 14,
  extendedMasterSecret: 23,
  renegotiationInfo: 0xff01,
} as const;

export const NamedGroup = { secp256r1: 23, x25519: 29 } as const;
export type Group = 'x25519' | 'secp256r1';
export const ECDSA_SECP256R1_SHA256 = 0x0403;

export interface ClientHello {
  version: number;
  random: Buffer;
  sessionId: Buffer;
  cookie: Buffer;
  /** Bytes the stateless cookie binds: the cipher suite list as sent. */
  cipherSuiteBytes: Buffer;
  cipherSuites: number[];
  extensions: Map<number, Buffer>;
}

/** What the server picked from the client's offer. */
export interface Negotiated {
  group: Group;
  srtpProfile: SrtpProfile;
  extendedMasterSecret: boolean;
  secureRenegotiation: boolean;
  pointFormats: boolean;
}

/** What the cookie binds, from the start of a ClientHello: all the first fragment of a fragmented one needs to carry. */
export type HelloPrefix = Pick<ClientHello, 'version' | 'random' | 'sessionId' | 'cookie' | 'cipherSuiteBytes'>;

export function decodeHelloPrefix(r: ByteReader): HelloPrefix {
  const version = r.u16();
  const random = r.bytes(32);
  const sessionId = r.bytes(r.u8());
  const cookie = r.bytes(r.u8());
  const cipherSuiteBytes = r.bytes(r.u16());
  return { version, random, sessionId, cookie, cipherSuiteBytes };
}

export function decodeClientHello(body: Buffer): ClientHello {
  const r = new ByteReader(body);
  const { version, random, sessionId, cookie, cipherSuiteBytes } = decodeHelloPrefix(r);
  if (cipherSuiteBytes.length % 2 !== 0) throw new DtlsError('odd cipher suite list');
  const cipherSuites = u16List(cipherSuiteBytes);
  r.skip(r.u8()); // compression methods: only null exists
  const extensions = new Map<number, Buffer>();
  if (r.remaining > 0) {
    const er = new ByteReader(r.bytes(r.u16()));
    while (er.remaining > 0) {
      const type = er.u16();
      if (extensions.has(type)) throw new DtlsError(`extension ${type} repeated`, Alert.illegalParameter);
      extensions.set(type, er.bytes(er.u16()));
    }
  }
  return { version, random, sessionId, cookie, cipherSuiteBytes, cipherSuites, extensions };
}

function u16List(bytes: Buffer): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < bytes.length; i += 2) out.push(bytes.readUInt16BE(i));
  return out;
}

/** A vector<2..2^16-1> of u16 inside an extension body. */
function extensionList(ext: Buffer, name: string): number[] {
  const r = new ByteReader(ext);
  const list = r.bytes(r.u16());
  if (list.length % 2 !== 0) throw new DtlsError(`odd ${name} list`);
  return u16List(list);
}

/** Picks suite, group and SRTP profile; refuses offers WebRTC cannot use with handshake_failure. */
export function negotiate(hello: ClientHello): Negotiated {
  // DTLS versions count down: 1.2 is 0xfefd, 1.0 is 0xfeff.
  if (hello.version > DTLS_1_2) throw new DtlsError(`client offers only DTLS version 0x${hello.version.toString(16)}`, Alert.protocolVersion);
  if (!hello.cipherSuites.includes(TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)) {
    throw new DtlsError('no common cipher suite (needs TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)', Alert.handshakeFailure);
  }
  const ext = hello.extensions;
  const groups = ext.has(Extension.supportedGroups) ? extensionList(ext.get(Extension.supportedGroups)!, 'supported_groups') : [NamedGroup.secp256r1];
  const group: Group | undefined = groups.includes(NamedGroup.x25519) ? 'x25519' : groups.includes(NamedGroup.secp256r1) ? 'secp256r1' : undefined;
  if (!group) throw new DtlsError('no common group (needs x25519 or P-256)', Alert.handshakeFailure);
  const sigs = ext.get(Extension.signatureAlgorithms);
  if (sigs && !extensionList(sigs, 'signature_algorithms').includes(ECDSA_SECP256R1_SHA256)) {
    throw new DtlsError('client does not accept ecdsa_secp256r1_sha256 signatures', Alert.handshakeFailure);
  }
  const srtpProfile = pickSrtpProfile(ext.get(Extension.useSrtp));
  const renegotiation = ext.get(Extension.renegotiationInfo);
  // On a first handshake the client's renegotiated_connection must be empty (RFC 5746 §3.6).
  if (renegotiation && !(renegotiation.length === 1 && renegotiation[0] === 0)) {
    throw new DtlsError('renegotiation_info not empty on a first handshake', Alert.handshakeFailure);
  }
  return {
    group,
    srtpProfile,
    extendedMasterSecret: ext.has(Extension.extendedMasterSecret),
    secureRenegotiation: renegotiation !== undefined || hello.cipherSuites.includes(EMPTY_RENEGOTIATION_SCSV),
    pointFormats: ext.has(Extension.ecPointFormats),
  };
}

/** GCM first: cheaper per packet and what Chromium prefers when both sides offer it. */
function pickSrtpProfile(useSrtp: Buffer | undefined): SrtpProfile {
  if (!useSrtp) throw new DtlsError('client did not offer use_srtp', Alert.handshakeFailure);
  const offered = extensionList(useSrtp, 'use_srtp');
  for (const profile of ['AEAD_AES_128_GCM', 'AES_CM_128_HMAC_SHA1_80'] as const) {
    if (offered.includes(SRTP_PROFILE_IDS[profile])) return profile;
  }
  throw new DtlsError(`no common SRTP profile in ${offered.join(',')}`, Alert.handshakeFailure);
}

export function encodeHelloVerifyRequest(cookie: Buffer): Buffer {
  // RFC 6347 §4.2.1: DTLS 1.0 here whatever version follows, so any client can read it.
  return new ByteWriter(3 + cookie.length).u16(0xfeff).u8(cookie.length).bytes(cookie).finish();
}

export function encodeServerHello(random: Buffer, n: Negotiated): Buffer {
  const ext = new ByteWriter();
  if (n.secureRenegotiation) ext.u16(Extension.renegotiationInfo).u16(1).u8(0);
  if (n.extendedMasterSecret) ext.u16(Extension.extendedMasterSecret).u16(0);
  if (n.pointFormats) ext.u16(Extension.ecPointFormats).u16(2).u8(1).u8(0); // uncompressed only
  ext.u16(Extension.useSrtp).u16(5).u16(2).u16(SRTP_PROFILE_IDS[n.srtpProfile]).u8(0); // one profile, no MKI
  const extensions = ext.finish();
  return new ByteWriter(80)
    .u16(DTLS_1_2)
    .bytes(random)
    .u8(0) // no session id: sessions are not resumed
    .u16(TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)
    .u8(0) // null compression
    .u16(extensions.length)
    .bytes(extensions)
    .finish();
}
