import { ByteReader } from '../../../util/bytes.js';
import { ProtocolError } from '../../../util/errors.js';
import type { Logger } from '../../../util/logger.js';
import type { DtlsCertificate } from '../certificate.js';
import type { SrtpKeyMaterial } from '../srtp-profile.js';
import { Alert, DtlsError, alertName, encodeAlert } from './alert.js';
import type { GcmRecordCipher } from './cipher.js';
import { CookieJar } from './cookie.js';
import { Flight, RecordWriter, type FlightRecord } from './flight.js';
import { HandshakeType, Reassembler, decodeFragments, encodeHandshake, fragmentMessage, type HandshakeFragment, type HandshakeMessage } from './handshake.js';
import { decodeClientHello, decodeHelloPrefix, encodeHelloVerifyRequest, negotiate } from './hello.js';
import { ContentType, DTLS_1_0, ReplayWindow, decodeRecords, encodeRecord, type DtlsRecord } from './record.js';
import { ServerHandshake, type ExpectedFingerprint } from './server-handshake.js';

export interface DtlsServerOptions {
  certificate: DtlsCertificate;
  /** Writes one datagram to the peer (the ICE-selected address). */
  send(datagram: Buffer): void;
  /** From the offer's a=fingerprint: the client's certificate must match it. */
  expectedFingerprint?: ExpectedFingerprint;
  /** Once, after the client's Finished checks out. */
  onConnected(keys: SrtpKeyMaterial): void;
  /** Once, when the session ends for any reason (peer alert, error, timeout, close()). */
  onClose(reason: string): void;
  log: Logger;
  /** Secret for HelloVerifyRequest cookies; one per server process is enough. */
  cookieSecret?: Buffer;
  /** Largest datagram sent; 1200 fits any path WebRTC runs over (RFC 8261 §5 uses the same figure). */
  mtu?: number;
}

type State = 'hello' | 'handshake' | 'connected' | 'closed';

/**
 * DTLS 1.2 server role for one WebRTC peer (RFC 6347 with RFC 5764's use_srtp): answers hellos
 * statelessly until the peer proves its address, runs the handshake with client authentication,
 * then hands SRTP keys over. Records after that carry only alerts; application data is dropped.
 */
export class DtlsServer {
  private state: State = 'hello';
  private readonly cookies: CookieJar;
  private readonly send: (datagram: Buffer) => void;
  private readonly writer: RecordWriter;
  private readonly flight: Flight;
  private readonly replay = [new ReplayWindow(), new ReplayWindow()];
  private readCipher: GcmRecordCipher | undefined;
  /** Our epoch 1 key, used from our ChangeCipherSpec on (the client reads epoch 0 from us until then). */
  private writeCipher: GcmRecordCipher | undefined;
  private handshake: ServerHandshake | undefined;
  private reassembler: Reassembler | undefined;

  constructor(private readonly options: DtlsServerOptions) {
    this.cookies = new CookieJar(options.cookieSecret);
    // A socket that fails to send (closed under us) must not make handle() throw.
    const send = (d: Buffer): void => {
      try {
        options.send(d);
      } catch (err) {
        options.log.warn({ err }, 'DTLS datagram not sent');
      }
    };
    this.send = send;
    this.writer = new RecordWriter(send, options.mtu ?? 1200);
    this.flight = new Flight(this.writer, () => this.end('handshake timed out: peer stopped answering'));
  }

  /** One datagram from the peer; never throws: bad records are dropped, bad handshakes end the session. */
  handle(datagram: Buffer): void {
    if (this.state === 'closed') return;
    let records: DtlsRecord[];
    try {
      records = decodeRecords(datagram);
    } catch (err) {
      this.options.log.info({ err: (err as Error).message, bytes: datagram.length }, 'DTLS datagram dropped');
      return;
    }
    for (const record of records) {
      try {
        this.onRecord(record);
      } catch (err) {
        this.fail(err);
      }
      if ((this.state as State) === 'closed') return; // a fatal record ends the datagram too
    }
  }

  /** Says close_notify to the peer (once the handshake has begun) and stops all timers. */
  close(): void {
    if (this.state === 'closed') return;
    if (this.state !== 'hello') this.sendAlert(Alert.closeNotify, false);
    this.end('closed');
  }

  private onRecord(record: DtlsRecord): void {
    const { epoch, seq } = record;
    if (epoch > 1 || !this.replay[epoch]!.fresh(seq)) return;
    let payload = record.fragment;
    if (epoch === 1) {
      const opened = this.readCipher?.open(record.type, record.version, epoch, seq, payload);
      // RFC 6347 §4.1.2.7: records that fail authentication are silently discarded.
      if (!opened) return this.options.log.debug({ seq }, 'DTLS record does not authenticate: dropped');
      payload = opened;
    } else if (this.state === 'connected' && record.type !== ContentType.handshake) {
      return; // after the handshake, plaintext alerts could come from anyone
    }
    const before = this.state;
    this.dispatch(record.type, payload, record);
    // Before a verified hello nothing is remembered, not even record numbers: a spoofed record
    // with a huge number cannot shut the window on the real peer.
    if (before !== 'hello' || this.state !== 'hello') this.replay[epoch]!.mark(seq);
  }

  private dispatch(type: number, payload: Buffer, record: DtlsRecord): void {
    switch (type) {
      case ContentType.handshake:
        return this.onHandshake(payload, record);
      case ContentType.alert:
        // Before a verified hello there is no session an alert could end.
        return this.state === 'hello' ? undefined : this.onAlert(payload);
      case ContentType.changeCipherSpec:
        if (payload.length !== 1 || payload[0] !== 1) throw new DtlsError('malformed ChangeCipherSpec');
        return;
      default:
        return; // application data: no data channels here
    }
  }

  private onHandshake(payload: Buffer, record: DtlsRecord): void {
    for (const f of decodeFragments(payload)) {
      if (this.state === 'hello') {
        if (record.epoch === 0 && f.type === HandshakeType.clientHello && f.offset === 0) this.onHelloStart(f, record.seq);
        if (this.state === 'hello') continue; // other fragments of an unverified hello are not kept
      }
      const done = this.reassembler!.add(f);
      if (done === 'old') {
        if (this.handshake && f.messageSeq === this.handshake.peerFlightStart && f.offset === 0) this.flight.resend();
        continue;
      }
      for (const m of done) {
        if (this.handshake) this.onMessage(m, record.epoch);
        else this.onClientHello(m);
      }
    }
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

  private onClientHello(message: HandshakeMessage): void {
    const hello = decodeClientHello(message.body);
    const negotiated = negotiate(hello);
    this.handshake = new ServerHandshake(hello, message, negotiated, this.options.certificate, this.options.expectedFingerprint);
    this.options.log.debug({ group: negotiated.group, srtp: negotiated.srtpProfile, ems: negotiated.extendedMasterSecret }, 'DTLS handshake started');
    this.flight.start(this.handshakeRecords(this.handshake.serverFlight(), 0), true);
  }

  private onMessage(m: HandshakeMessage, epoch: number): void {
    // The timer keeps running until the handshake completes: should part of the client's flight be
    // lost, our resent flight prompts the client to send its own again (RFC 6347 §4.2.4).
    if (this.state !== 'handshake') return;
    const step = this.handshake!.onMessage(m, epoch);
    if (step.kind === 'keys') {
      this.readCipher = step.read;
      this.writeCipher = step.write;
    } else if (step.kind === 'finished') {
      this.writer.setCipher(this.writeCipher!);
      const ccs: FlightRecord = { type: ContentType.changeCipherSpec, epoch: 0, payload: Buffer.from([1]) };
      this.flight.start([ccs, ...this.handshakeRecords([step.serverFinished], 1)], false);
      this.state = 'connected';
      this.options.log.debug({ srtp: step.keys.profile }, 'DTLS connected');
      this.options.onConnected(step.keys);
    }
  }

  private handshakeRecords(messages: Buffer[], epoch: 0 | 1): FlightRecord[] {
    // Room for record header, handshake header and the AEAD's nonce and tag.
    const max = this.writer.mtu - 13 - 12 - 24;
    return messages.flatMap((m) => fragmentMessage(m, max)).map((payload) => ({ type: ContentType.handshake, epoch, payload }));
  }

  private onAlert(payload: Buffer): void {
    if (payload.length !== 2) throw new DtlsError('malformed alert');
    const [level, description] = [payload[0]!, payload[1]!];
    if (description === Alert.closeNotify) {
      this.sendAlert(Alert.closeNotify, false);
      return this.end('peer sent close_notify');
    }
    if (level === 2) return this.end(`peer sent fatal alert ${alertName(description)}`);
    this.options.log.info({ alert: alertName(description) }, 'DTLS warning alert from peer ignored');
  }

  private fail(err: unknown): void {
    const known = err instanceof ProtocolError;
    const alert = err instanceof DtlsError ? err.alert : known ? Alert.decodeError : Alert.internalError;
    const message = err instanceof Error ? err.message : String(err);
    if (!known) this.options.log.warn({ err }, 'DTLS internal failure');
    // Garbage before a verified hello gets no answer: the hello stage keeps no session to end.
    if (this.state === 'hello') return this.options.log.info({ err: message }, 'DTLS hello dropped');
    this.options.log.info({ err: message, alert: alertName(alert) }, 'DTLS handshake refused');
    this.sendAlert(alert, true);
    this.end(`${alertName(alert)}: ${message}`);
  }

  private sendAlert(description: number, fatal: boolean): void {
    this.writer.sendRecords([{ type: ContentType.alert, epoch: this.writer.encrypting ? 1 : 0, payload: encodeAlert(description, fatal) }]);
  }

  private end(reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.flight.stop();
    this.options.onClose(reason);
  }
}
