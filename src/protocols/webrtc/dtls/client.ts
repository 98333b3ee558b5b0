import { ProtocolError } from '../../../util/errors.js';
import type { Logger } from '../../../util/logger.js';
import type { DtlsCertificate } from '../certificate.js';
import type { SrtpKeyMaterial } from '../srtp-profile.js';
import { Alert, DtlsError, alertName, encodeAlert } from './alert.js';
import type { GcmRecordCipher } from './cipher.js';
import { ClientHandshake } from './client-handshake.js';
import { decodeHelloVerifyRequest } from './client-hello.js';
import { Flight, RecordWriter, type FlightRecord } from './flight.js';
import { HandshakeType, Reassembler, decodeFragments, fragmentMessage, type HandshakeMessage } from './handshake.js';
import { ContentType, ReplayWindow, decodeRecords, type DtlsRecord } from './record.js';
import type { ExpectedFingerprint } from './server-handshake.js';

export interface DtlsClientOptions {
  certificate: DtlsCertificate;
  send(datagram: Buffer): void;
  /** From the answer's a=fingerprint: the server's certificate must match it. */
  expectedFingerprint?: ExpectedFingerprint;
  onConnected(keys: SrtpKeyMaterial): void;
  onClose(reason: string): void;
  log: Logger;
  mtu?: number;
}

type State = 'idle' | 'handshake' | 'connected' | 'closed';

/**
 * DTLS 1.2 client role for one WebRTC peer (the side with a=setup:active): the same record layer,
 * flights and key schedule as DtlsServer, driven from the other end. Used by load tools and tests
 * that stand in for a browser.
 */
export class DtlsClient {
  private state: State = 'idle';
  private readonly writer: RecordWriter;
  private readonly flight: Flight;
  private readonly replay = [new ReplayWindow(), new ReplayWindow()];
  private readonly handshake: ClientHandshake;
  private readonly reassembler = new Reassembler(0);
  private readCipher: GcmRecordCipher | undefined;

  constructor(private readonly options: DtlsClientOptions) {
    const send = (d: Buffer): void => {
      try {
        options.send(d);
      } catch (err) {
        options.log.warn({ err }, 'DTLS datagram not sent');
      }
    };
    this.writer = new RecordWriter(send, options.mtu ?? 1200);
    this.flight = new Flight(this.writer, () => this.end('handshake timed out: peer stopped answering'));
    this.handshake = new ClientHandshake(options.certificate, options.expectedFingerprint);
  }

  /** Sends the first ClientHello. */
  start(): void {
    if (this.state !== 'idle') return;
    this.state = 'handshake';
    this.flight.start(this.handshakeRecords([this.handshake.hello(Buffer.alloc(0))], 0), true);
  }

  /** One datagram from the server; never throws: bad records are dropped, bad handshakes end the session. */
  handle(datagram: Buffer): void {
    if (this.state === 'closed' || this.state === 'idle') return;
    let records: DtlsRecord[];
    try {
      records = decodeRecords(datagram);
    } catch (err) {
      this.options.log.info({ err: (err as Error).message }, 'DTLS datagram dropped');
      return;
    }
    for (const record of records) {
      try {
        this.onRecord(record);
      } catch (err) {
        this.fail(err);
      }
      if ((this.state as State) === 'closed') return;
    }
  }

  close(): void {
    if (this.state === 'closed') return;
    if (this.state !== 'idle') this.sendAlert(Alert.closeNotify, false);
    this.end('closed');
  }

  private onRecord(record: DtlsRecord): void {
    const { epoch, seq } = record;
    if (epoch > 1 || !this.replay[epoch]!.fresh(seq)) return;
    let payload = record.fragment;
    if (epoch === 1) {
      const opened = this.readCipher?.open(record.type, record.version, epoch, seq, payload);
      if (!opened) return;
      payload = opened;
    } else if (this.state === 'connected' && record.type !== ContentType.handshake) {
      return;
    }
    this.replay[epoch]!.mark(seq);
    if (record.type === ContentType.handshake) this.onHandshake(payload, epoch);
    else if (record.type === ContentType.alert) this.onAlert(payload);
  }

  private onHandshake(payload: Buffer, epoch: number): void {
    for (const f of decodeFragments(payload)) {
      const done = this.reassembler.add(f);
      if (done === 'old') {
        // The server resent a flight: ours was lost, send it again (RFC 6347 §4.2.4).
        if (f.offset === 0) this.flight.resend();
        continue;
      }
      for (const m of done) this.onMessage(m, epoch);
    }
  }

  private onMessage(m: HandshakeMessage, epoch: number): void {
    if (this.state !== 'handshake') return;
    if (m.type === HandshakeType.helloVerifyRequest) {
      const hello = this.handshake.hello(decodeHelloVerifyRequest(m.body));
      return this.flight.start(this.handshakeRecords([hello], 0), true);
    }
    const step = this.handshake.onMessage(m, epoch);
    if (step.kind === 'flight') {
      this.readCipher = step.read;
      this.writer.setCipher(step.write);
      const finished = step.messages.pop()!;
      const ccs: FlightRecord = { type: ContentType.changeCipherSpec, epoch: 0, payload: Buffer.from([1]) };
      this.flight.start([...this.handshakeRecords(step.messages, 0), ccs, ...this.handshakeRecords([finished], 1)], true);
    } else if (step.kind === 'finished') {
      this.flight.stop();
      this.state = 'connected';
      this.options.onConnected(step.keys);
    }
  }

  private handshakeRecords(messages: Buffer[], epoch: 0 | 1): FlightRecord[] {
    const max = this.writer.mtu - 13 - 12 - 24;
    return messages.flatMap((m) => fragmentMessage(m, max)).map((payload) => ({ type: ContentType.handshake, epoch, payload }));
  }

  private onAlert(payload: Buffer): void {
    if (payload.length !== 2) throw new DtlsError('malformed alert');
    const [level, description] = [payload[0]!, payload[1]!];
    if (description === Alert.closeNotify) return this.end('peer sent close_notify');
    if (level === 2) return this.end(`peer sent fatal alert ${alertName(description)}`);
  }

  private fail(err: unknown): void {
    const alert = err instanceof DtlsError ? err.alert : err instanceof ProtocolError ? Alert.decodeError : Alert.internalError;
    const message = err instanceof Error ? err.message : String(err);
    this.options.log.info({ err: message, alert: alertName(alert) }, 'DTLS handshake failed');
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
