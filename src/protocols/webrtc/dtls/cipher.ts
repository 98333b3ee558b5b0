import { createCipheriv, createDecipheriv } from 'node:crypto';
import { DTLS_1_2 } from './record.js';

const EXPLICIT_NONCE = 8;
const TAG = 16;

/**
 * One direction of AES-GCM record protection (RFC 5288 in DTLS): nonce = 4-byte salt from the key
 * block + 8 explicit bytes sent in the record, which we fill with epoch and sequence number
 * (unique per key, as GCM needs); additional data = epoch, sequence, type, version, plaintext length.
 */
export class GcmRecordCipher {
  private readonly algorithm: 'aes-128-gcm' | 'aes-256-gcm';

  constructor(
    private readonly key: Buffer,
    private readonly salt: Buffer,
  ) {
    this.algorithm = key.length === 16 ? 'aes-128-gcm' : 'aes-256-gcm';
  }

  seal(type: number, epoch: number, seq: number, plaintext: Buffer): Buffer {
    const explicit = sequenceBytes(epoch, seq);
    const cipher = createCipheriv(this.algorithm, this.key, Buffer.concat([this.salt, explicit]));
    cipher.setAAD(additionalData(type, DTLS_1_2, epoch, seq, plaintext.length));
    return Buffer.concat([explicit, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  }

  /** The plaintext, or undefined when the record does not authenticate (it is then dropped). */
  open(type: number, version: number, epoch: number, seq: number, fragment: Buffer): Buffer | undefined {
    if (fragment.length < EXPLICIT_NONCE + TAG) return undefined;
    const explicit = fragment.subarray(0, EXPLICIT_NONCE);
    const body = fragment.subarray(EXPLICIT_NONCE, fragment.length - TAG);
    const decipher = createDecipheriv(this.algorithm, this.key, Buffer.concat([this.salt, explicit]));
    decipher.setAAD(additionalData(type, version, epoch, seq, body.length));
    decipher.setAuthTag(fragment.subarray(fragment.length - TAG));
    try {
      return Buffer.concat([decipher.update(body), decipher.final()]);
    } catch {
      return undefined;
    }
  }
}

/** Epoch and 48-bit sequence number: DTLS's 64-bit record number. */
function sequenceBytes(epoch: number, seq: number): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeUInt16BE(epoch, 0);
  b.writeUIntBE(seq, 2, 6);
  return b;
}

/** RFC 5246 §6.2.3.3 with DTLS's record number: epoch + seq, type, version, length. */
function additionalData(type: number, version: number, epoch: number, seq: number, length: number): Buffer {
  const b = Buffer.allocUnsafe(13);
  sequenceBytes(epoch, seq).copy(b, 0);
  b[8] = type;
  b.writeUInt16BE(version, 9);
  b.writeUInt16BE(length, 11);
  return b;
}
