import { Alert, DtlsError } from './alert.js';

/** Handshake message types (RFC 5246 §7.4, RFC 6347 §4.3.2). */
export const HandshakeType = {
  clientHello: 1,
  serverHello: 2,
  helloVerifyRequest: 3,
  certificate: 11,
  serverKeyExchange: 12,
  certificateRequest: 13,
  serverHelloDone: 14,
  certificateVerify: 15,
  clientKeyExchange: 16,
  finished: 20,
} as const;

export const HANDSHAKE_HEADER = 12;
/** No message a WebRTC client sends is near this: a certificate chain of a few KiB at most. */
const MAX_MESSAGE = 16 * 1024;
/** Messages further ahead than this are not buffered (the peer retransmits them): a client flight is 4. */
const MAX_AHEAD = 5;

export interface HandshakeFragment {
  type: number;
  length: number;
  messageSeq: number;
  offset: number;
  body: Buffer;
}

export interface HandshakeMessage {
  type: number;
  messageSeq: number;
  body: Buffer;
  /** Header (as if unfragmented) + body: what goes into the handshake hash. */
  raw: Buffer;
}

/** A whole message with its DTLS header as if unfragmented (fragment offset 0, full length). */
export function encodeHandshake(type: number, messageSeq: number, body: Buffer): Buffer {
  return Buffer.concat([fragmentHeader(type, body.length, messageSeq, 0, body.length), body]);
}

function fragmentHeader(type: number, length: number, messageSeq: number, offset: number, fragmentLength: number): Buffer {
  const h = Buffer.allocUnsafe(HANDSHAKE_HEADER);
  h[0] = type;
  h.writeUIntBE(length, 1, 3);
  h.writeUInt16BE(messageSeq, 4);
  h.writeUIntBE(offset, 6, 3);
  h.writeUIntBE(fragmentLength, 9, 3);
  return h;
}

/** Handshake fragments of one record (several may share it). */
export function decodeFragments(record: Buffer): HandshakeFragment[] {
  const out: HandshakeFragment[] = [];
  for (let at = 0; at < record.length; ) {
    if (record.length - at < HANDSHAKE_HEADER) throw new DtlsError('handshake header truncated');
    const length = record.readUIntBE(at + 1, 3);
    const offset = record.readUIntBE(at + 6, 3);
    const fragmentLength = record.readUIntBE(at + 9, 3);
    if (offset + fragmentLength > length) throw new DtlsError(`handshake fragment ${offset}+${fragmentLength} beyond length ${length}`);
    if (at + HANDSHAKE_HEADER + fragmentLength > record.length) throw new DtlsError('handshake fragment truncated');
    out.push({
      type: record[at]!,
      length,
      messageSeq: record.readUInt16BE(at + 4),
      offset,
      body: record.subarray(at + HANDSHAKE_HEADER, at + HANDSHAKE_HEADER + fragmentLength),
    });
    at += HANDSHAKE_HEADER + fragmentLength;
  }
  return out;
}

/** Splits one whole message (from encodeHandshake) into fragments whose bodies fit in `max` bytes. */
export function fragmentMessage(message: Buffer, max: number): Buffer[] {
  const type = message[0]!;
  const messageSeq = message.readUInt16BE(4);
  const body = message.subarray(HANDSHAKE_HEADER);
  if (body.length <= max) return [message];
  const out: Buffer[] = [];
  for (let offset = 0; offset < body.length; offset += max) {
    const part = body.subarray(offset, offset + max);
    out.push(Buffer.concat([fragmentHeader(type, body.length, messageSeq, offset, part.length), part]));
  }
  return out;
}

interface Partial {
  type: number;
  body: Buffer;
  /** Which bytes arrived; fragments may overlap and come in any order. */
  filled: Uint8Array;
  missing: number;
}

/**
 * Puts fragmented, reordered, duplicated handshake messages back together and yields them in
 * message_seq order. Memory is bounded: a message at most MAX_MESSAGE bytes, at most MAX_AHEAD
 * messages ahead of the next expected one.
 */
export class Reassembler {
  private readonly partial = new Map<number, Partial>();

  constructor(public next: number) {}

  /** 'old' for a message already delivered (the peer is retransmitting), else the messages now complete. */
  add(f: HandshakeFragment): HandshakeMessage[] | 'old' {
    if (f.messageSeq < this.next) return 'old';
    if (f.messageSeq >= this.next + MAX_AHEAD) return [];
    if (f.length > MAX_MESSAGE) throw new DtlsError(`handshake message of ${f.length} bytes`, Alert.illegalParameter);
    let p = this.partial.get(f.messageSeq);
    if (!p) {
      p = { type: f.type, body: Buffer.alloc(f.length), filled: new Uint8Array(f.length), missing: f.length };
      this.partial.set(f.messageSeq, p);
    } else if (p.type !== f.type || p.body.length !== f.length) {
      throw new DtlsError(`handshake message ${f.messageSeq} changed type or length between fragments`, Alert.illegalParameter);
    }
    f.body.copy(p.body, f.offset);
    for (let i = f.offset; i < f.offset + f.body.length; i++) {
      if (!p.filled[i]) {
        p.filled[i] = 1;
        p.missing--;
      }
    }
    const done: HandshakeMessage[] = [];
    for (let q = this.partial.get(this.next); q && q.missing === 0; q = this.partial.get(this.next)) {
      this.partial.delete(this.next);
      done.push({ type: q.type, messageSeq: this.next, body: q.body, raw: encodeHandshake(q.type, this.next, q.body) });
      this.next++;
    }
    return done;
  }
}
