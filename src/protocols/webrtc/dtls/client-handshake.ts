import { randomBytes, sign, type X509Certificate } from 'node:crypto';
import { ByteWriter } from '../../../util/bytes.js';
import type { DtlsCertificate } from '../certificate.js';
import type { SrtpKeyMaterial } from '../srtp-profile.js';
import { Alert, DtlsError } from './alert.js';
import type { GcmRecordCipher } from './cipher.js';
import { decodeServerHello, decodeServerKeyExchange, encodeClientHello, type ServerChoice } from './client-hello.js';
import { HandshakeType, type HandshakeMessage } from './handshake.js';
import { HandshakeRole } from './handshake-role.js';
import { ECDSA_SECP256R1_SHA256 } from './hello.js';
import { KeyShare, checkFingerprint, decodeClientCertificate, encodeCertificate, verifyDigitallySigned } from './messages.js';
import type { ExpectedFingerprint } from './session.js';

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
export class ClientHandshake extends HandshakeRole {
  readonly random = randomBytes(32);
  private expecting: number = HandshakeType.serverHello;
  private server: ServerChoice | undefined;
  private serverCertificate: X509Certificate | undefined;
  private share: KeyShare | undefined;
  private certificateRequested = false;
  private preMaster: Buffer | undefined;

  constructor(
    private readonly certificate: DtlsCertificate,
    private readonly expectedFingerprint: ExpectedFingerprint | undefined,
  ) {
    super('client', 0);
  }

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
    this.deriveMaster(this.preMaster!, this.server!.extendedMasterSecret);
    if (this.certificateRequested) {
      const signature = sign('sha256', Buffer.concat(this.transcript), { key: this.certificate.privateKey, dsaEncoding: 'der' });
      const body = new ByteWriter(8 + signature.length).u16(ECDSA_SECP256R1_SHA256).u16(signature.length).bytes(signature).finish();
      messages.push(this.message(HandshakeType.certificateVerify, body));
    }
    messages.push(this.message(HandshakeType.finished, this.finished()));
    return { kind: 'flight', messages, ...this.recordCiphers() };
  }

  private finish(m: HandshakeMessage): ClientStep {
    this.checkPeerFinished(m.body);
    this.expecting = -1;
    return { kind: 'finished', keys: this.srtpKeys(this.server!.srtpProfile) };
  }

  protected randoms(): { client: Buffer; server: Buffer } {
    return { client: this.random, server: this.server!.random };
  }
}
