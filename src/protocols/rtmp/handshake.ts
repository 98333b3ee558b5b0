import { createHmac, randomFillSync, timingSafeEqual } from 'node:crypto';
import { ProtocolError } from '../../util/errors.js';
import { hex } from './amf-common.js';

export const RTMP_VERSION = 3;
/** Size of C1, S1, C2 and S2. */
export const HANDSHAKE_SIZE = 1536;

const GREETING_SIZE = 1 + HANDSHAKE_SIZE;
const DIGEST_SIZE = 32;
/** Version field of our complex S1; any non-zero value tells the client it is a digest handshake. */
const SERVER_VERSION = 0x04050001;

// The Flash digest keys: a text prefix followed by 32 fixed bytes. The client's digest is keyed
// with the 30-byte player text, the server's with the 36-byte server text, and S2's key is
// derived from the full 68-byte server key.
const KEY_SUFFIX = Buffer.from('f0eec24a8068bee82e00d0d1029e7e576eec5d2d29806fab93b8e636cfeb31ae', 'hex');
const PLAYER_KEY = Buffer.from('Genuine Adobe Flash Player 001', 'latin1');
const SERVER_KEY = Buffer.from('Genuine Adobe Flash Media Server 001', 'latin1');
const SERVER_FULL_KEY = Buffer.concat([SERVER_KEY, KEY_SUFFIX]);

/**
 * The two layouts of a digest handshake block: the digest's offset is the sum of the four bytes
 * at `base`, modulo 728, counted from `base + 4`. Schema 0 has base 8, schema 1 base 772.
 */
const SCHEMA_BASES = [8, 772] as const;

export interface HandshakeStep {
  /** Bytes to send to the peer now. */
  reply?: Buffer;
  done: boolean;
  /** Bytes received after the handshake (the first chunks); empty until done. */
  rest: Buffer;
}

/**
 * Both sides read the same shape: a 1537-byte greeting (version byte + 1536), which they answer,
 * then the peer's 1536-byte echo, which they skip. Only the greeting is buffered.
 */
class HandshakeReader {
  private readonly greeting = Buffer.alloc(GREETING_SIZE);
  private filled = 0;
  private echoLeft = HANDSHAKE_SIZE;

  constructor(private readonly answer: (greeting: Buffer) => Buffer) {}

  feed(data: Buffer): HandshakeStep {
    let pos = 0;
    let reply: Buffer | undefined;
    if (this.filled < GREETING_SIZE) {
      if (this.filled === 0 && data.length > 0 && data[0] !== RTMP_VERSION) {
        throw new ProtocolError(`not an RTMP handshake (version byte ${hex(data[0]!)})`);
      }
      pos = data.copy(this.greeting, this.filled, 0, GREETING_SIZE - this.filled);
      this.filled += pos;
      if (this.filled < GREETING_SIZE) return { done: false, rest: Buffer.alloc(0) };
      reply = this.answer(this.greeting);
    }
    const skipped = Math.min(this.echoLeft, data.length - pos);
    this.echoLeft -= skipped;
    pos += skipped;
    const done = this.echoLeft === 0;
    const rest = done ? data.subarray(pos) : Buffer.alloc(0);
    return reply === undefined ? { done, rest } : { reply, done, rest };
  }
}

/**
 * Server side. Answers a Flash digest C1 with a digest S1/S2 (Flash Player and FFmpeg's client
 * check them), and any other C1 with the simple handshake: random S1, S2 echoing C1.
 */
export class ServerHandshake {
  private readonly reader = new HandshakeReader(serverReply);

  feed(data: Buffer): HandshakeStep {
    return this.reader.feed(data);
  }
}

/** Client side, simple handshake only: zero version in C1, C2 echoing S1. */
export class ClientHandshake {
  private readonly reader = new HandshakeReader((s0s1) => s0s1.subarray(1));

  /** C0 + C1. */
  start(): Buffer {
    const c0c1 = Buffer.alloc(GREETING_SIZE);
    c0c1[0] = RTMP_VERSION;
    randomFillSync(c0c1, 9); // time and version stay 0
    return c0c1;
  }

  feed(data: Buffer): HandshakeStep {
    return this.reader.feed(data);
  }
}

function serverReply(c0c1: Buffer): Buffer {
  const c1 = c0c1.subarray(1);
  const reply = Buffer.alloc(1 + 2 * HANDSHAKE_SIZE);
  reply[0] = RTMP_VERSION;
  const s1 = reply.subarray(1, 1 + HANDSHAKE_SIZE);
  const s2 = reply.subarray(1 + HANDSHAKE_SIZE);
  randomFillSync(s1, 8);
  const client = findDigest(c1, PLAYER_KEY);
  if (client === undefined) {
    c1.copy(s2);
    return reply;
  }
  s1.writeUInt32BE(SERVER_VERSION, 4);
  const offset = digestOffset(s1, client.base);
  blockDigest(s1, offset, SERVER_KEY).copy(s1, offset);
  randomFillSync(s2, 0, HANDSHAKE_SIZE - DIGEST_SIZE);
  const key = hmac(SERVER_FULL_KEY, client.digest);
  hmac(key, s2.subarray(0, HANDSHAKE_SIZE - DIGEST_SIZE)).copy(s2, HANDSHAKE_SIZE - DIGEST_SIZE);
  return reply;
}

/** Where the digest of a 1536-byte block sits under the schema with this base. */
function digestOffset(block: Buffer, base: number): number {
  const sum = block[base]! + block[base + 1]! + block[base + 2]! + block[base + 3]!;
  return (sum % 728) + base + 4;
}

/** HMAC-SHA256 of a block without its 32 digest bytes at `offset`. */
function blockDigest(block: Buffer, offset: number, key: Buffer): Buffer {
  return hmac(key, block.subarray(0, offset), block.subarray(offset + DIGEST_SIZE));
}

/** Finds a valid digest in a C1 (or S1) under either schema. */
function findDigest(block: Buffer, key: Buffer): { base: number; digest: Buffer } | undefined {
  for (const base of SCHEMA_BASES) {
    const offset = digestOffset(block, base);
    const digest = block.subarray(offset, offset + DIGEST_SIZE);
    if (timingSafeEqual(blockDigest(block, offset, key), digest)) return { base, digest };
  }
  return undefined;
}

function hmac(key: Buffer, ...parts: Buffer[]): Buffer {
  const mac = createHmac('sha256', key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}
