import { timingSafeEqual } from 'node:crypto';
import { srtpKeyLengths, type SrtpKeyMaterial, type SrtpProfile } from '../srtp-profile.js';
import { Alert, DtlsError } from './alert.js';
import { GcmRecordCipher } from './cipher.js';
import { encodeHandshake } from './handshake.js';
import { exportKeyingMaterial, gcmKeys, masterSecret, sha256, verifyData } from './prf.js';

type Role = 'client' | 'server';

/**
 * What the two sides of a DTLS 1.2 handshake do alike: number and hash the messages, derive the
 * master secret, the record ciphers and the SRTP keys, and make and check the Finished messages.
 * Each side's keys are the mirror of the other's.
 */
export abstract class HandshakeRole {
  protected readonly transcript: Buffer[] = [];
  private master: Buffer | undefined;

  protected constructor(
    private readonly role: Role,
    /** message_seq of our next message. */
    protected nextSeq: number,
  ) {}

  /** The client's and the server's hello randoms. */
  protected abstract randoms(): { client: Buffer; server: Buffer };

  /** One of our messages, numbered and hashed. */
  protected message(type: number, body: Buffer): Buffer {
    const raw = encodeHandshake(type, this.nextSeq++, body);
    this.transcript.push(raw);
    return raw;
  }

  /** The master secret; with RFC 7627's extended master secret, over the hash of the handshake so far. */
  protected deriveMaster(preMaster: Buffer, extendedMasterSecret: boolean): void {
    const { client, server } = this.randoms();
    this.master = masterSecret(preMaster, client, server, extendedMasterSecret ? sha256(this.transcript) : undefined);
  }

  /** Epoch 1 ciphers: we read with the peer's key and write with ours. */
  protected recordCiphers(): { read: GcmRecordCipher; write: GcmRecordCipher } {
    const { client, server } = this.randoms();
    const k = gcmKeys(this.master!, client, server, 16);
    const clientCipher = new GcmRecordCipher(k.clientKey, k.clientSalt);
    const serverCipher = new GcmRecordCipher(k.serverKey, k.serverSalt);
    return this.role === 'client' ? { read: serverCipher, write: clientCipher } : { read: clientCipher, write: serverCipher };
  }

  /** Our Finished, over the handshake so far. */
  protected finished(): Buffer {
    return verifyData(this.master!, this.role, sha256(this.transcript));
  }

  /** The peer's Finished must match the handshake so far. */
  protected checkPeerFinished(body: Buffer): void {
    const peer: Role = this.role === 'client' ? 'server' : 'client';
    const expected = verifyData(this.master!, peer, sha256(this.transcript));
    if (body.length !== expected.length || !timingSafeEqual(body, expected)) {
      throw new DtlsError(`${peer} Finished does not match the handshake`, Alert.decryptError);
    }
  }

  /** RFC 5764 §4.2: client key, server key, client salt, server salt; ours are the local ones. */
  protected srtpKeys(profile: SrtpProfile): SrtpKeyMaterial {
    const { client, server } = this.randoms();
    const { keyLength: k, saltLength: s } = srtpKeyLengths(profile);
    const m = exportKeyingMaterial(this.master!, 'EXTRACTOR-dtls_srtp', client, server, 2 * (k + s));
    const keys = { client: m.subarray(0, k), server: m.subarray(k, 2 * k) };
    const salts = { client: m.subarray(2 * k, 2 * k + s), server: m.subarray(2 * k + s, 2 * (k + s)) };
    const peer: Role = this.role === 'client' ? 'server' : 'client';
    return { profile, localKey: keys[this.role], remoteKey: keys[peer], localSalt: salts[this.role], remoteSalt: salts[peer] };
  }
}
