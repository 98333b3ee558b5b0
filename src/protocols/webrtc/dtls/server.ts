import { ByteReader } from '../../../util/bytes.js';
import type { GcmRecordCipher } from './cipher.js';
import { CookieJar } from './cookie.js';
import { HandshakeType, Reassembler, encodeHandshake, type HandshakeFragment, type HandshakeMessage } from './handshake.js';
import { decodeClientHello, decodeHelloPrefix, encodeHelloVerifyRequest, negotiate } from './hello.js';
import { ContentType, DTLS_1_0, encodeRecord, type DtlsRecord } from './record.js';
import { ServerHandshake } from './server-handshake.js';
import { DtlsSession, type DtlsSessionOptions } from './session.js';

export interface DtlsServerOptions extends DtlsSessionOptions {
  /** Secret for HelloVerifyRequest cookies; one per server process is enough. */
  cookieSecret?: Buffer;
}

/**
 * DTLS 1.2 server role for one WebRTC peer (RFC 6347 with RFC 5764's use_srtp): answers hellos
 * statelessly until the peer proves its address, runs the handshake with client authentication,
 * then hands SRTP keys over. Records after that carry only alerts; application data is dropped.
 */
export class DtlsServer extends DtlsSession {
  private readonly cookies: CookieJar;
  /** Our epoch 1 key, used from our ChangeCipherSpec on (the client reads epoch 0 from us until then). */
  private writeCipher: GcmRecordCipher | undefined;
  private handshake: ServerHandshake | undefined;
  private reassembler: Reassembler | undefined;

  constructor(options: DtlsServerOptions) {
    super(options, 'hello');
    this.cookies = new CookieJar(options.cookieSecret);
  }

  protected reassemblerFor(f: HandshakeFragment, record: DtlsRecord): Reassembler | undefined {
    if (this.state === 'hello' && record.epoch === 0 && f.type === HandshakeType.clientHello && f.offset === 0) this.onHelloStart(f, record.seq);
    // Other fragments of an unverified hello are not kept.
    return this.state === 'hello' ? undefined : this.reassembler;
  }

  protected peerResent(f: HandshakeFragment): boolean {
    return this.handshake !== undefined && f.messageSeq === this.handshake.peerFlightStart && f.offset === 0;
  }

  /**
   * Stateless until the cookie checks out: a spoofed hello gets one small reply and leaves nothing
   * behind. The cookie binds only the hello's first bytes, so a hello fragmented over datagrams
   * (Chromium's, with its post-quantum key shares, is) is checked from its first fragment.
   */
  private onHelloStart(f: HandshakeFragment, recordSeq: number): void {
    const hello = decodeHelloPrefix(new ByteReader(f.body));
    if (!this.cookies.valid(hello)) {
      const hvr = encodeHandshake(HandshakeType.helloVerifyRequest, 0, encodeHelloVerifyRequest(this.cookies.make(hello)));
      // RFC 6347 §4.2.1: reuse the hello's record sequence number, so no counter is kept.
      this.send(encodeRecord(ContentType.handshake, 0, recordSeq, hvr, DTLS_1_0));
      return;
    }
    // The peer has proved its address: from here a refusal is answered with an alert and ends the session.
    this.state = 'handshake';
    this.writer.skipTo(recordSeq); // our epoch 0 numbers continue past the HelloVerifyRequest's
    this.reassembler = new Reassembler(f.messageSeq);
  }

  protected onMessage(m: HandshakeMessage, epoch: number): void {
    if (!this.handshake) return this.onClientHello(m);
    // The timer keeps running until the handshake completes: should part of the client's flight be
    // lost, our resent flight prompts the client to send its own again (RFC 6347 §4.2.4).
    if (this.state !== 'handshake') return;
    const step = this.handshake.onMessage(m, epoch);
    if (step.kind === 'keys') {
      this.readCipher = step.read;
      this.writeCipher = step.write;
    } else if (step.kind === 'finished') {
      this.writer.setCipher(this.writeCipher!);
      this.flight.start(this.finishedFlight([], step.serverFinished), false);
      this.connected(step.keys);
    }
  }

  private onClientHello(message: HandshakeMessage): void {
    const hello = decodeClientHello(message.body);
    const negotiated = negotiate(hello);
    this.handshake = new ServerHandshake(hello, message, negotiated, this.options.certificate, this.options.expectedFingerprint);
    this.options.log.debug({ group: negotiated.group, srtp: negotiated.srtpProfile, ems: negotiated.extendedMasterSecret }, 'DTLS handshake started');
    this.flight.start(this.handshakeRecords(this.handshake.serverFlight(), 0), true);
  }
}
