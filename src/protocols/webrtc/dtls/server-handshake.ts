import { randomBytes, type X509Certificate } from 'node:crypto';
import type { DtlsCertificate } from '../certificate.js';
import type { SrtpKeyMaterial } from '../srtp-profile.js';
import { Alert, DtlsError } from './alert.js';
import type { GcmRecordCipher } from './cipher.js';
import { HandshakeType, type HandshakeMessage } from './handshake.js';
import { HandshakeRole } from './handshake-role.js';
import { encodeServerHello, type ClientHello, type Negotiated } from './hello.js';
import { KeyShare, checkFingerprint, decodeClientCertificate, encodeCertificate, encodeCertificateRequest, encodeServerKeyExchange, verifyCertificateVerify } from './messages.js';
import type { ExpectedFingerprint } from './session.js';

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
export class ServerHandshake extends HandshakeRole {
  private readonly serverRandom = randomBytes(32);
  private readonly share: KeyShare;
  private expecting = 0;
  private clientCertificate: X509Certificate | undefined;
  /** message_seq of the first message of the client's latest flight: a repeat of it asks for a resend. */
  peerFlightStart: number;

  constructor(
    private readonly hello: ClientHello,
    helloMessage: HandshakeMessage,
    private readonly negotiated: Negotiated,
    private readonly certificate: DtlsCertificate,
    private readonly expectedFingerprint: ExpectedFingerprint | undefined,
  ) {
    // Our message_seq mirrors the client's: after a HelloVerifyRequest (seq 0) ServerHello is 1.
    super('server', helloMessage.messageSeq);
    this.transcript.push(helloMessage.raw);
    this.peerFlightStart = helloMessage.messageSeq;
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
    this.deriveMaster(this.share.preMasterSecret(clientKeyExchange), this.negotiated.extendedMasterSecret);
    return { kind: 'keys', ...this.recordCiphers() };
  }

  private finish(m: HandshakeMessage): Step {
    this.checkPeerFinished(m.body);
    this.transcript.push(m.raw);
    const serverFinished = this.message(HandshakeType.finished, this.finished());
    return { kind: 'finished', serverFinished, keys: this.srtpKeys(this.negotiated.srtpProfile) };
  }

  protected randoms(): { client: Buffer; server: Buffer } {
    return { client: this.hello.random, server: this.serverRandom };
  }
}
