import type { GcmRecordCipher } from './cipher.js';
import { encodeRecord } from './record.js';

/** One record of a flight; handshake messages are already fragmented to fit a datagram. */
export interface FlightRecord {
  type: number;
  epoch: 0 | 1;
  payload: Buffer;
}

/**
 * The sending half of the record layer: per-epoch sequence numbers, epoch 1 encrypted, records
 * packed into datagrams no larger than the path MTU. A retransmitted record gets a fresh sequence
 * number, as RFC 6347 §4.2.4 requires, so it passes the peer's replay window.
 */
export class RecordWriter {
  private readonly seq = [0, 0];
  private cipher: GcmRecordCipher | undefined;

  constructor(
    private readonly send: (datagram: Buffer) => void,
    readonly mtu: number,
  ) {}

  /** From the server's ChangeCipherSpec on: epoch 1 records use this. */
  setCipher(cipher: GcmRecordCipher): void {
    this.cipher = cipher;
  }

  /** Next epoch 0 record number: past what a stateless reply already used. */
  skipTo(seq: number): void {
    // Capped: a peer numbering its records near 2^48 must not push ours past the 48-bit field.
    this.seq[0] = Math.max(this.seq[0]!, Math.min(seq, 2 ** 32));
  }

  get encrypting(): boolean {
    return this.cipher !== undefined;
  }

  record(r: FlightRecord): Buffer {
    const seq = this.seq[r.epoch]!++;
    if (r.epoch === 0) return encodeRecord(r.type, 0, seq, r.payload);
    return encodeRecord(r.type, 1, seq, this.cipher!.seal(r.type, 1, seq, r.payload));
  }

  sendRecords(records: FlightRecord[]): void {
    let datagram: Buffer[] = [];
    let size = 0;
    for (const r of records) {
      const bytes = this.record(r);
      if (size > 0 && size + bytes.length > this.mtu) {
        this.send(Buffer.concat(datagram));
        datagram = [];
        size = 0;
      }
      datagram.push(bytes);
      size += bytes.length;
    }
    if (size > 0) this.send(Buffer.concat(datagram));
  }
}

const INITIAL_TIMEOUT_MS = 1000;
const MAX_TIMEOUT_MS = 8000;
/** Resends at 1, 3, 7, 15 and 23 s, give up at 31 s: as long as ICE consent waits for a silent peer. */
const MAX_RETRANSMITS = 5;
/**
 * A resend on demand this soon after the flight last left is skipped. A peer's retransmission that
 * crossed ours on the wire does not show ours was lost, and answering each of its messages with a
 * whole flight, when the peer does the same, multiplies the datagrams at every round trip: a storm
 * that starves the handshake it means to save.
 */
const MIN_ON_DEMAND_GAP_MS = 250;

/**
 * Keeps the last flight sent and sends it again when the peer seems to have lost it: on a doubling
 * timer while the server waits for an answer (RFC 6347 §4.2.4), and on demand when the peer
 * retransmits its own previous flight (at most once per 250 ms).
 */
export class Flight {
  private records: FlightRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private timeoutMs = INITIAL_TIMEOUT_MS;
  private retransmits = 0;
  /** When the flight last left, ms since the epoch. */
  private sentAt = 0;

  constructor(
    private readonly writer: RecordWriter,
    private readonly onGiveUp: () => void,
  ) {}

  /** Sends a new flight; `awaitReply` arms the timer (the server's last flight has none). */
  start(records: FlightRecord[], awaitReply: boolean): void {
    this.stop();
    this.records = records;
    this.timeoutMs = INITIAL_TIMEOUT_MS;
    this.retransmits = 0;
    this.send();
    if (awaitReply) this.arm();
  }

  /** The peer resent its flight, so ours seems lost: sent again, unless it has only just left. */
  resendOnDemand(): void {
    if (Date.now() - this.sentAt >= MIN_ON_DEMAND_GAP_MS) this.send();
  }

  /** The peer answered: stop the timer but keep the flight for on-demand resends. */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private send(): void {
    if (this.records.length === 0) return;
    this.sentAt = Date.now();
    this.writer.sendRecords(this.records);
  }

  private arm(): void {
    this.timer = setTimeout(() => {
      if (++this.retransmits > MAX_RETRANSMITS) return this.onGiveUp();
      this.send();
      this.timeoutMs = Math.min(this.timeoutMs * 2, MAX_TIMEOUT_MS);
      this.arm();
    }, this.timeoutMs);
    this.timer.unref();
  }
}
