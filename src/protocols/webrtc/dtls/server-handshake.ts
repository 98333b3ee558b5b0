import { randomBytes, timingSafeEqual, type X509Certificate } from 'node:crypto';
import type { DtlsCertificate } from '../certificate.js';
import { srtpKeyLengths, type SrtpKeyMaterial } from '../srtp-profile.js';
import { Alert, DtlsError } from './alert.js';
import { GcmRecordCipher } from './cipher.js';
import { HandshakeType, encodeHandshake, type HandshakeMessage } from './handshake.js';
import { encodeServerHello, type ClientHello, type Negotiated } from './hello.js';
import { KeyShare, checkFingerprint, decodeClientCertificate, encodeCertificate, encodeCertificateRequest, encodeServerKeyExchange, verifyCertificateVerify } from './messages.js';
import { exportKeyingMaterial, gcmKeys, masterSecret, sha256, verifyData } from './prf.js';

export interface ExpectedFingerprint {
  algorithm: string;
  value: string;
}

/** What a client message led to; the server turns it into records. */
export type Step =
  | { kind: 'none' }
  | { kind: 'keys'; read: GcmRecordCipher; write: GcmRecordCipher }
  | { kind: 'finished'; serverFinished: Buffer; keys: SrtpKeyMaterial };

const CLIENT_FLIGHT = [HandshakeType.certificate, HandshakeType.clientKeyExchange, HandshakeType.certificateVerify, HandshakeType.finished];

/**
 * The server's side of one full DTLS 1.2 handshake, from the ClientHello that carried a valid
 * cookie to the client's Finished: builds the server's flight, checks the client's certificate,
 * its proof of the key, and the handshake hash, and derives record and SRTP keys.
 */
export class ServerHandshake {
  private readonly transcript: Buffer[] = [];
  private readonly serverRandom = randomBytes(32);
  private readonly share: KeyShare;
  private nextSeq: number;
  private expecting = 0;
  private clientCertificate: X509Certificate | undefined;
  private master: Buffer | undefined;
  /** message_seq of the first message of the client's latest flight: a repeat of it asks for a resend. */
  peerFlightStart: number;

  constructor(
    private readonly hello: ClientHello,
    helloMessage: HandshakeMessage,
    private readonly negotiated: Negotiated,
    private readonly certificate: DtlsCertificate,
    private readonly expectedFingerprint: ExpectedFingerprint | undefined,
  ) {
    this.transcript.push(helloMessage.raw);
    this.peerFlightStart = helloMessage.messageSeq;
    // Our message_seq mirrors the client's: after a HelloVerifyRequest (seq 0) ServerHello is 1.
    this.nextSeq = helloMessage.messageSeq;
    this.share = KeyShare.generate(negotiated.group);
  }

  /** ServerHello … ServerHelloDone as whole messages (the caller fragments them). */
  serverFlight(): Buffer[] {
    const { random } = this.hello;
    return [
      this.message(HandshakeType.serverHello, encodeServerHello(this.serverRandom, this.negotiated)),
      this.message(HandshakeType.certificate, encodeCertificate(this.certificate.der)),
      this.message(HandshakeType.serverKeyExchange, encodeServerKeyExchange(this.share, random, this.serverRandom, this.certificate.privateKey)),
      this.message(HandshakeType.certificateRequest, encodeCertificateRequest()),
      this.message(HandshakeType.serverHelloDone, Buffer.alloc(0)),
    ];
  }

  /** One client message of flight 5, in order; Finished must come encrypted (epoch 1). */
  onMessage(m: HandshakeMessage, epoch: number): Step {
    const expected = CLIENT_FLIGHT[this.expecting];
    if (m.type !== expected) throw new DtlsError(`handshake message ${m.type} where ${expected ?? 'nothing'} was expected`, Alert.unexpectedMessage);
    if ((m.type === HandshakeType.finished) !== (epoch === 1)) throw new DtlsError(`handshake message ${m.type} in epoch ${epoch}`, Alert.unexpectedMessage);
    if (this.expecting === 0) this.peerFlightStart = m.messageSeq;
    this.expecting++;
    switch (m.type) {
      case HandshakeType.certificate:
        this.clientCertificate = this.checkCertificate(m.body);
        this.transcript.push(m.raw);
        return { kind: 'none' };
      case HandshakeType.clientKeyExchange:
        this.transcript.push(m.raw);
        return this.deriveKeys(m.body);
      case HandshakeType.certificateVerify:
        verifyCertificateVerify(m.body, Buffer.concat(this.transcript), this.clientCertificate!);
        this.transcript.push(m.raw);
        return { kind: 'none' };
      default:
        return this.finish(m);
    }
  }

  private checkCertificate(body: Buffer): X509Certificate {
    const certificate = decodeClientCertificate(body);
    if (this.expectedFingerprint) checkFingerprint(certificate, this.expectedFingerprint);
    return certificate;
  }

  private deriveKeys(clientKeyExchange: Buffer): Step {
    const preMaster = this.share.preMasterSecret(clientKeyExchange);
    const sessionHash = this.negotiated.extendedMasterSecret ? sha256(this.transcript) : undefined;
    this.master = masterSecret(preMaster, this.hello.random, this.serverRandom, sessionHash);
    const k = gcmKeys(this.master, this.hello.random, this.serverRandom, 16);
    return { kind: 'keys', read: new GcmRecordCipher(k.clientKey, k.clientSalt), write: new GcmRecordCipher(k.serverKey, k.serverSalt) };
  }

  private finish(m: HandshakeMessage): Step {
    const master = this.master!;
    const expected = verifyData(master, 'client', sha256(this.transcript));
    if (m.body.length !== expected.length || !timingSafeEqual(m.body, expected)) {
      throw new DtlsError('client Finished does not match the handshake', Alert.decryptError);
    }
    this.transcript.push(m.raw);
    const serverFinished = this.message(HandshakeType.finished, verifyData(master, 'server', sha256(this.transcript)));
    return { kind: 'finished', serverFinished, keys: this.srtpKeys(master) };
  }

  /** RFC 5764 §4.2: client key, server key, client salt, server salt; the server's are its local ones. */
  private srtpKeys(master: Buffer): SrtpKeyMaterial {
    const profile = this.negotiated.srtpProfile;
    const { keyLength: k, saltLength: s } = srtpKeyLengths(profile);
    const m = exportKeyingMaterial(master, 'EXTRACTOR-dtls_srtp', this.hello.random, this.serverRandom, 2 * (k + s));
    return {
      profile,
      remoteKey: m.subarray(0, k),
      localKey: m.subarray(k, 2 * k),
      remoteSalt: m.subarray(2 * k, 2 * k + s),
      localSalt: m.subarray(2 * k + s, 2 * (k + s)),
    };
  }

  private message(type: number, body: Buffer): Buffer {
    const raw = encodeHandshake(type, this.nextSeq++, body);
    this.transcript.push(raw);
    return raw;
  }
}
