import { randomBytes, sign, timingSafeEqual, type X509Certificate } from 'node:crypto';
import { ByteWriter } from '../../../util/bytes.js';
import type { DtlsCertificate } from '../certificate.js';
import { srtpKeyLengths, type SrtpKeyMaterial } from '../srtp-profile.js';
import { Alert, DtlsError } from './alert.js';
import { GcmRecordCipher } from './cipher.js';
import { decodeServerHello, decodeServerKeyExchange, encodeClientHello, type ServerChoice } from './client-hello.js';
import { HandshakeType, encodeHandshake, type HandshakeMessage } from './handshake.js';
import { ECDSA_SECP256R1_SHA256 } from './hello.js';
import { KeyShare, checkFingerprint, decodeClientCertificate, encodeCertificate, verifyDigitallySigned } from './messages.js';
import { exportKeyingMaterial, gcmKeys, masterSecret, sha256, verifyData } from './prf.js';
import type { ExpectedFingerprint } from './server-handshake.js';

/** What a server message led to; the client turns it into records. */
export type ClientStep =
  | { kind: 'none' }
  | { kind: 'flight'; messages: Buffer[]; read: GcmRecordCipher; write: GcmRecordCipher }
  | { kind: 'finished'; keys: SrtpKeyMaterial };

/**
 * The client's side of one full DTLS 1.2 handshake, from the ClientHello with the server's cookie
 * to the server's Finished: checks the server's certificate against the signalled fingerprint and
 * its signature over the key exchange, answers with our certificate, key share and proof, and
 * derives record and SRTP keys. The mirror of ServerHandshake.
 */
export class ClientHandshake {
  private readonly transcript: Buffer[] = [];
  readonly random = randomBytes(32);
  private nextSeq = 0;
  private expecting: number = HandshakeType.serverHello;
  private server: ServerChoice | undefined;
  private serverCertificate: X509Certificate | undefined;
  private share: KeyShare | undefined;
  private certificateRequested = false;
  private preMaster: Buffer | undefined;
  private master: Buffer | undefined;

  constructor(
    private readonly certificate: DtlsCertificate,
    private readonly expectedFingerprint: ExpectedFingerprint | undefined,
  ) {}

  /** The ClientHello, first without a cookie, again with the one the server asked for. */
  hello(cookie: Buffer): Buffer {
    // RFC 6347 §4.2.1: the hash starts over with the hello that carries the cookie.
    this.transcript.length = 0;
    return this.message(HandshakeType.clientHello, encodeClientHello(this.random, cookie));
  }

  /** One server message of flights 4 and 6, in order; its Finished must come encrypted (epoch 1). */
  onMessage(m: HandshakeMessage, epoch: number): ClientStep {
    if (m.type === HandshakeType.certificateRequest && this.expecting === HandshakeType.serverHelloDone) this.expecting = m.type;
    if (m.type !== this.expecting) throw new DtlsError(`handshake message ${m.type} where ${this.expecting} was expected`, Alert.unexpectedMessage);
    if ((m.type === HandshakeType.finished) !== (epoch === 1)) throw new DtlsError(`handshake message ${m.type} in epoch ${epoch}`, Alert.unexpectedMessage);
    switch (m.type) {
      case HandshakeType.serverHello:
        this.server = decodeServerHello(m.body);
        this.expecting = HandshakeType.certificate;
        break;
      case HandshakeType.certificate:
        this.serverCertificate = decodeClientCertificate(m.body, 'server');
        if (this.expectedFingerprint) checkFingerprint(this.serverCertificate, this.expectedFingerprint, 'server');
        this.expecting = HandshakeType.serverKeyExchange;
        break;
      case HandshakeType.serverKeyExchange: {
        const ske = decodeServerKeyExchange(m.body);
        const data = Buffer.concat([this.random, this.server!.random, ske.params]);
        verifyDigitallySigned(ske.signed, data, this.serverCertificate!, 'ServerKeyExchange');
        this.share = KeyShare.generate(ske.group);
        this.preMaster = this.share.preMasterSecret(ske.point);
        this.expecting = HandshakeType.serverHelloDone;
        break;
      }
      case HandshakeType.certificateRequest:
        this.certificateRequested = true;
        this.expecting = HandshakeType.serverHelloDone;
        break;
      case HandshakeType.serverHelloDone:
        this.transcript.push(m.raw);
        this.expecting = HandshakeType.finished;
        return this.clientFlight();
      default:
        return this.finish(m);
    }
    this.transcript.push(m.raw);
    return { kind: 'none' };
  }

  /** Certificate, ClientKeyExchange, CertificateVerify and Finished (the caller puts ChangeCipherSpec before Finished). */
  private clientFlight(): ClientStep {
    const messages: Buffer[] = [];
    if (this.certificateRequested) messages.push(this.message(HandshakeType.certificate, encodeCertificate(this.certificate.der)));
    const point = this.share!.publicKey;
    messages.push(this.message(HandshakeType.clientKeyExchange, new ByteWriter(1 + point.length).u8(point.length).bytes(point).finish()));
    const server = this.server!;
    const sessionHash = server.extendedMasterSecret ? sha256(this.transcript) : undefined;
    this.master = masterSecret(this.preMaster!, this.random, server.random, sessionHash);
    if (this.certificateRequested) {
      const signature = sign('sha256', Buffer.concat(this.transcript), { key: this.certificate.privateKey, dsaEncoding: 'der' });
      const body = new ByteWriter(8 + signature.length).u16(ECDSA_SECP256R1_SHA256).u16(signature.length).bytes(signature).finish();
      messages.push(this.message(HandshakeType.certificateVerify, body));
    }
    messages.push(this.message(HandshakeType.finished, verifyData(this.master, 'client', sha256(this.transcript))));
    const k = gcmKeys(this.master, this.random, server.random, 16);
    return { kind: 'flight', messages, read: new GcmRecordCipher(k.serverKey, k.serverSalt), write: new GcmRecordCipher(k.clientKey, k.clientSalt) };
  }

  private finish(m: HandshakeMessage): ClientStep {
    const expected = verifyData(this.master!, 'server', sha256(this.transcript));
    if (m.body.length !== expected.length || !timingSafeEqual(m.body, expected)) {
      throw new DtlsError('server Finished does not match the handshake', Alert.decryptError);
    }
    this.expecting = -1;
    return { kind: 'finished', keys: this.srtpKeys() };
  }

  /** RFC 5764 §4.2: client key, server key, client salt, server salt; the client's are its local ones. */
  private srtpKeys(): SrtpKeyMaterial {
    const profile = this.server!.srtpProfile;
    const { keyLength: k, saltLength: s } = srtpKeyLengths(profile);
    const m = exportKeyingMaterial(this.master!, 'EXTRACTOR-dtls_srtp', this.random, this.server!.random, 2 * (k + s));
    return {
      profile,
      localKey: m.subarray(0, k),
      remoteKey: m.subarray(k, 2 * k),
      localSalt: m.subarray(2 * k, 2 * k + s),
      remoteSalt: m.subarray(2 * k + s, 2 * (k + s)),
    };
  }

  private message(type: number, body: Buffer): Buffer {
    const raw = encodeHandshake(type, this.nextSeq++, body);
    this.transcript.push(raw);
    return raw;
  }
}
