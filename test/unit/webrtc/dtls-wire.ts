import { ByteWriter } from '../../../src/util/bytes.js';
import { encodeHandshake } from '../../../src/protocols/webrtc/dtls/handshake.js';
import { encodeRecord } from '../../../src/protocols/webrtc/dtls/record.js';

/** Builds the records a DTLS client sends, byte by byte, to probe the server with. */
export interface HelloOptions {
  cookie?: Buffer;
  random?: Buffer;
  suites?: number[];
  /** Extension type -> body; default: x25519, use_srtp AES_CM, extended_master_secret, ECDSA-SHA256. */
  extensions?: Map<number, Buffer>;
}

export const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

export function defaultExtensions(): Map<number, Buffer> {
  return new Map([
    [10, hex('0002 001d')], // supported_groups: x25519
    [14, hex('0002 0001 00')], // use_srtp: SRTP_AES128_CM_SHA1_80, no MKI
    [23, Buffer.alloc(0)], // extended_master_secret
    [13, hex('0002 0403')], // signature_algorithms
  ]);
}

export function clientHelloBody(o: HelloOptions = {}): Buffer {
  const ext = new ByteWriter();
  for (const [type, body] of o.extensions ?? defaultExtensions()) ext.u16(type).u16(body.length).bytes(body);
  const extensions = ext.finish();
  const suites = o.suites ?? [0xc02b];
  const w = new ByteWriter().u16(0xfefd).bytes(o.random ?? Buffer.alloc(32, 7)).u8(0);
  const cookie = o.cookie ?? Buffer.alloc(0);
  w.u8(cookie.length).bytes(cookie).u16(suites.length * 2);
  for (const s of suites) w.u16(s);
  return w.u8(1).u8(0).u16(extensions.length).bytes(extensions).finish();
}

export const handshakeRecord = (type: number, messageSeq: number, body: Buffer, recordSeq: number, epoch = 0): Buffer =>
  encodeRecord(22, epoch, recordSeq, encodeHandshake(type, messageSeq, body));

/** The cookie out of a HelloVerifyRequest datagram (record 13 + handshake 12 + version 2 + length 1). */
export const cookieOf = (hvr: Buffer): Buffer => hvr.subarray(28, 28 + hvr[27]!);
