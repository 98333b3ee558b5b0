import { ProtocolError } from '../../../util/errors.js';
import type { Logger } from '../../../util/logger.js';
import type { DtlsCertificate } from '../certificate.js';
import type { SrtpKeyMaterial } from '../srtp-profile.js';
import { Alert, DtlsError, alertName, encodeAlert } from './alert.js';
import type { GcmRecordCipher } from './cipher.js';
import { Flight, RecordWriter, type FlightRecord } from './flight.js';
import { decodeFragments, fragmentMessage, type HandshakeFragment, type HandshakeMessage, type Reassembler } from './handshake.js';
import { ContentType, ReplayWindow, decodeRecords, type DtlsRecord } from './record.js';

export interface ExpectedFingerprint {
  algorithm: string;
  value: string;
}

/** What both roles are given. */
export interface DtlsSessionOptions {
  certificate: DtlsCertificate;
  /** Writes one datagram to the peer (the ICE-selected address). */
  send(datagram: Buffer): void;
  /** From the peer's a=fingerprint: its certificate must match it. */
  expectedFingerprint?: ExpectedFingerprint;
  /** Once, after the peer's Finished checks out. */
  onConnected(keys: SrtpKeyMaterial): void;
  /** Once, when the session ends for any reason (peer alert, error, timeout, close()). */
  onClose(reason: string): void;
  log: Logger;
  /** Largest datagram sent; 1200 fits any path WebRTC runs over (RFC 8261 §5 uses the same figure). */
  mtu?: number;
}

/** `idle`: a client not started; `hello`: a server before a verified hello (it keeps nothing). */
export type DtlsState = 'idle' | 'hello' | 'handshake' | 'connected' | 'closed';

/** ChangeCipherSpec: the records after it in a flight are in epoch 1. */
const CHANGE_CIPHER_SPEC: FlightRecord = { type: ContentType.changeCipherSpec, epoch: 0, payload: Buffer.from([1]) };

/**
 * The record layer both DTLS 1.2 roles share: datagrams in (replay windows, epoch 1 decryption,
 * handshake reassembly, alerts), flights out with their retransmission timer, fatal alerts for
 * a refused handshake, close_notify both ways. A role supplies only its handshake messages.
 */
export abstract class DtlsSession {
  protected state: DtlsState;
  protected readonly send: (datagram: Buffer) => void;
  protected readonly writer: RecordWriter;
  protected readonly flight: Flight;
  protected readCipher: GcmRecordCipher | undefined;
  private readonly replay = [new ReplayWindow(), new ReplayWindow()];

  protected constructor(
    protected readonly options: DtlsSessionOptions,
    initial: 'idle' | 'hello',
  ) {
    this.state = initial;
    // A socket that fails to send (closed under us) must not make handle() throw.
    this.send = (d: Buffer): void => {
      try {
        options.send(d);
      } catch (err) {
        options.log.warn({ err }, 'DTLS datagram not sent');
      }
    };
    this.writer = new RecordWriter(this.send, options.mtu ?? 1200);
    this.flight = new Flight(this.writer, () => this.end('handshake timed out: peer stopped answering'));
  }

  /** One datagram from the peer; never throws: bad records are dropped, bad handshakes end the session. */
  handle(datagram: Buffer): void {
    if (this.state === 'closed' || this.state === 'idle') return;
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
      if ((this.state as DtlsState) === 'closed') return; // a fatal record ends the datagram too
    }
  }

  /** Says close_notify to the peer (once the handshake has begun) and stops all timers. */
  close(): void {
    if (this.state === 'closed') return;
    if (this.state !== 'hello' && this.state !== 'idle') this.sendAlert(Alert.closeNotify, false);
    this.end('closed');
  }

  /** The reassembler a fragment goes to; undefined to drop it (a server's unverified hello). */
  protected abstract reassemblerFor(f: HandshakeFragment, record: DtlsRecord): Reassembler | undefined;
  /** Whether an old fragment shows the peer resending its last flight: ours was lost. */
  protected abstract peerResent(f: HandshakeFragment): boolean;
  /** One whole handshake message, in order. */
  protected abstract onMessage(m: HandshakeMessage, epoch: number): void;

  /** Whole handshake messages as records, fragmented to fit a datagram. */
  protected handshakeRecords(messages: Buffer[], epoch: 0 | 1): FlightRecord[] {
    // Room for record header, handshake header and the AEAD's nonce and tag.
    const max = this.writer.mtu - 13 - 12 - 24;
    return messages.flatMap((m) => fragmentMessage(m, max)).map((payload) => ({ type: ContentType.handshake, epoch, payload }));
  }

  /** A flight that ends with ChangeCipherSpec and the encrypted Finished. */
  protected finishedFlight(plain: Buffer[], finished: Buffer): FlightRecord[] {
    return [...this.handshakeRecords(plain, 0), CHANGE_CIPHER_SPEC, ...this.handshakeRecords([finished], 1)];
  }

  protected connected(keys: SrtpKeyMaterial): void {
    this.state = 'connected';
    this.options.log.debug({ srtp: keys.profile }, 'DTLS connected');
    this.options.onConnected(keys);
  }

  protected end(reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.flight.stop();
    this.options.onClose(reason);
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
      const done = this.reassemblerFor(f, record)?.add(f);
      if (done === undefined) continue;
      if (done === 'old') {
        // RFC 6347 §4.2.4: the peer resent its flight, so ours was lost: send it again.
        if (this.peerResent(f)) this.flight.resendOnDemand();
        continue;
      }
      for (const m of done) this.onMessage(m, record.epoch);
    }
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
}
