import { createCipheriv, createDecipheriv, pbkdf2, pbkdf2Sync } from 'node:crypto';
import { promisify } from 'node:util';
import { ProtocolError, SluiceError } from '../../util/errors.js';
import { Cipher, KeyFlag, WRAP_OVERHEAD, type KeyMaterial } from './km.js';

/** HaiCrypt: KEK = PBKDF2-HMAC-SHA1(passphrase, last 8 bytes of the salt, 2048, key length). */
const PBKDF2_ITERATIONS = 2048;
const PBKDF2_SALT = 8;
/** RFC 3394's default initial value, which unwrapping checks. */
const WRAP_IV = Buffer.from('a6a6a6a6a6a6a6a6', 'hex');
/** The salt's first 112 bits are XORed into the counter-mode IV. */
const IV_NONCE = 14;

const pbkdf2Async = promisify(pbkdf2);

/** The key material does not unwrap with our passphrase: the peer's is different. */
export class WrongSecret extends SluiceError {}

export async function deriveKek(passphrase: string, salt: Buffer, keyLength: number): Promise<Buffer> {
  return pbkdf2Async(passphrase, salt.subarray(salt.length - PBKDF2_SALT), PBKDF2_ITERATIONS, keyLength, 'sha1');
}

function deriveKekSync(passphrase: string, salt: Buffer, keyLength: number): Buffer {
  return pbkdf2Sync(passphrase, salt.subarray(salt.length - PBKDF2_SALT), PBKDF2_ITERATIONS, keyLength, 'sha1');
}

/** AES key wrap (RFC 3394) of one or more keys under the KEK. */
export function wrapKeys(kek: Buffer, keys: Buffer): Buffer {
  const cipher = createCipheriv(`id-aes${kek.length * 8}-wrap`, kek, WRAP_IV);
  return Buffer.concat([cipher.update(keys), cipher.final()]);
}

/** Unwraps; the integrity check failing means another passphrase wrapped it. */
export function unwrapKeys(kek: Buffer, wrapped: Buffer): Buffer {
  const decipher = createDecipheriv(`id-aes${kek.length * 8}-wrap`, kek, WRAP_IV);
  try {
    return Buffer.concat([decipher.update(wrapped), decipher.final()]);
  } catch (error) {
    throw new WrongSecret('the key material does not unwrap with this passphrase', { cause: error });
  }
}

/** AES-CTR IV: 0 (10 bytes) | packet sequence number (4) | block counter (2), XOR the salt's first 14 bytes. */
export function counterIv(salt: Buffer, seq: number): Buffer {
  const iv = Buffer.alloc(16);
  iv.writeUInt32BE(seq >>> 0, 10);
  for (let i = 0; i < IV_NONCE; i++) iv[i]! ^= salt[i]!;
  return iv;
}

/** Encrypts or decrypts (the same in counter mode) one packet's payload. */
export function ctr(key: Buffer, salt: Buffer, seq: number, payload: Buffer): Buffer {
  const cipher = createCipheriv(`aes-${key.length * 8}-ctr`, key, counterIv(salt, seq));
  return Buffer.concat([cipher.update(payload), cipher.final()]);
}

interface StreamKey {
  key: Buffer;
  salt: Buffer;
}

/**
 * One connection's stream encrypting keys, from the caller's key material (HSv5: one key
 * serves both directions). Received packets are decrypted with the even or odd key their
 * header names; a key refresh from the peer replaces the receiving keys. We send with the key
 * the handshake gave (the even one when it gave both) and never rotate it.
 */
export class SrtKeys {
  /** Receiving keys: [even, odd]. */
  private readonly receiving: [StreamKey | undefined, StreamKey | undefined] = [undefined, undefined];
  private readonly sending: { flag: number; key: StreamKey };

  private constructor(
    private readonly passphrase: string,
    private kek: { salt: Buffer; key: Buffer },
    km: KeyMaterial,
  ) {
    this.install(km, kek.key);
    const flag = this.receiving[0] ? KeyFlag.Even : KeyFlag.Odd;
    this.sending = { flag, key: this.receiving[flag - 1]! };
  }

  /** Unwraps the handshake's KM. Throws WrongSecret, or ProtocolError for a cipher other than AES-CTR. */
  static async open(km: KeyMaterial, passphrase: string): Promise<SrtKeys> {
    checkCipher(km);
    const kek = await deriveKek(passphrase, km.salt, km.keyLength);
    return new SrtKeys(passphrase, { salt: km.salt, key: kek }, km);
  }

  /** Bytes per key: 16, 24 or 32. */
  get keyLength(): number {
    return this.sending.key.key.length;
  }

  /** KK of the packets we send. */
  get sendKeyFlag(): number {
    return this.sending.flag;
  }

  /** A key refresh (KMREQ control packet): takes the key(s) it announces. Throws like `open`. */
  refresh(km: KeyMaterial): void {
    checkCipher(km);
    if (!km.salt.equals(this.kek.salt) || km.keyLength !== this.kek.key.length) {
      this.kek = { salt: km.salt, key: deriveKekSync(this.passphrase, km.salt, km.keyLength) };
    }
    this.install(km, this.kek.key);
  }

  /** The clear payload, or undefined when no key of ours matches the packet's KK. */
  decrypt(keyFlag: number, seq: number, payload: Buffer): Buffer | undefined {
    const key = keyFlag === KeyFlag.Even ? this.receiving[0] : keyFlag === KeyFlag.Odd ? this.receiving[1] : undefined;
    return key && ctr(key.key, key.salt, seq, payload);
  }

  encrypt(seq: number, payload: Buffer): Buffer {
    return ctr(this.sending.key.key, this.sending.key.salt, seq, payload);
  }

  private install(km: KeyMaterial, kek: Buffer): void {
    const keys = unwrapKeys(kek, km.wrapped);
    const length = km.keyLength;
    if (keys.length !== (km.keys === KeyFlag.Both ? 2 : 1) * length) throw new ProtocolError(`SRT key material wraps ${keys.length} bytes`);
    let offset = 0;
    for (const [index, flag] of [KeyFlag.Even, KeyFlag.Odd].entries()) {
      if ((km.keys & flag) === 0) continue;
      this.receiving[index] = { key: keys.subarray(offset, offset + length), salt: km.salt };
      offset += length;
    }
  }
}

function checkCipher(km: KeyMaterial): void {
  if (km.cipher !== Cipher.AesCtr) throw new ProtocolError(`SRT cipher ${km.cipher} is not served, only AES-CTR (2)`);
  if (km.wrapped.length % 8 !== 0 || km.wrapped.length <= WRAP_OVERHEAD) throw new ProtocolError('SRT wrapped key of a bad length');
}
