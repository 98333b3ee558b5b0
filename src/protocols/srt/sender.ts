import type { AckInfo, LossRange } from './control.js';
import { encodeAckAck, encodeDropRequest, lostSequences } from './control.js';
import { Position, encodeData } from './packet.js';
import { messageNext, seqNext, seqOffset } from './sequence.js';

/** Seven 188-byte TS packets: what libsrt peers expect in one live-mode packet. */
export const LIVE_PAYLOAD_SIZE = 1316;
/** libsrt keeps a packet at least this long past the peer's latency before it drops it. */
const DROP_MARGIN_US = 1_000_000;
/** At most this many bytes leave in one burst, whatever the rate allows. */
const MAX_BURST_BYTES = 64 * 1024;
/** The least time a packet waits for its ACK before it counts as lost (the peer ACKs every 10 ms). */
const MIN_RETRANSMIT_TIMEOUT_US = 20_000;
/** The round trip assumed before the first is measured (libsrt's initial estimate). */
const INITIAL_RTT_US = 100_000;

export interface SenderOptions {
  /** The first sequence number (the caller's, in HSv5). */
  initialSeq: number;
  /** The peer's socket id, in every packet's header. */
  peerId: number;
  /** The peer's receive latency (negotiated), in ms: older packets are not worth sending. */
  latencyMs: number;
  tooLateDrop: boolean;
  /** Output rate cap, bytes per second. */
  maxBandwidth: number;
  /** Packets kept for retransmission at most (the peer's flow window). */
  maxUnacked: number;
  /** Encrypts each payload once, when it is cut (a resend reuses the bytes: the IV is the sequence number). */
  cipher?: PayloadCipher;
}

export interface PayloadCipher {
  /** KK of the key `encrypt` uses. */
  readonly sendKeyFlag: number;
  encrypt(seq: number, payload: Buffer): Buffer;
}

interface Sent {
  seq: number;
  messageNumber: number;
  timestamp: number;
  payload: Buffer;
  /** When it last left, µs. */
  sentUs: number;
  /** It has been sent more than once: its ACK says nothing of the round trip. */
  resent: boolean;
}

export interface SenderStats {
  packetsSent: number;
  packetsRetransmitted: number;
  packetsDropped: number;
  /** Round-trip time the peer reported in its last ACK, in µs. */
  rttUs: number;
}

/**
 * The sending half of a live-mode connection: cuts bytes into packets, keeps them until the
 * peer ACKs them, resends what it NAKs, drops what is too late for the peer's latency, and
 * paces its output. Pure: the clock (µs since the connection started) and the datagram
 * output are given, so it is tested on bytes alone.
 */
export class SrtSender {
  private nextSeq: number;
  private messageNumber = 1;
  /** Sent and not yet acknowledged, in sequence order. */
  private unacked: Sent[] = [];
  private readonly queued: Sent[] = [];
  private queuedBytes = 0;
  private readonly resend = new Set<number>();
  private tokens = MAX_BURST_BYTES;
  private lastRefillUs = 0;
  /** Round trip as this side sees it (a packet's first send to the ACK that covers it), smoothed, µs; 0 before the first. */
  private srttUs = 0;
  private rttVarUs = 0;
  /** The first packet the peer's last ACK said it lacks. */
  private peerLacks: number | undefined;
  readonly stats: SenderStats = { packetsSent: 0, packetsRetransmitted: 0, packetsDropped: 0, rttUs: 0 };

  constructor(
    private readonly options: SenderOptions,
    private readonly output: (datagram: Buffer) => void,
  ) {
    this.nextSeq = options.initialSeq;
  }

  /** Bytes handed over but not yet sent: what a slow peer backs up. */
  get pendingBytes(): number {
    return this.queuedBytes;
  }

  /** Takes bytes to send, cut into live payloads; they leave with `pump`. */
  send(bytes: Buffer, nowUs: number): void {
    for (let offset = 0; offset < bytes.length; offset += LIVE_PAYLOAD_SIZE) {
      const clear = bytes.subarray(offset, offset + LIVE_PAYLOAD_SIZE);
      const payload = this.options.cipher ? this.options.cipher.encrypt(this.nextSeq, clear) : clear;
      this.queued.push({ seq: this.nextSeq, messageNumber: this.messageNumber, timestamp: nowUs, payload, sentUs: 0, resent: false });
      this.queuedBytes += payload.length;
      this.nextSeq = seqNext(this.nextSeq);
      this.messageNumber = messageNext(this.messageNumber);
    }
  }

  /** True when something waits for the pacer. */
  get busy(): boolean {
    return this.queued.length > 0 || this.resend.size > 0;
  }

  /** Sends what the rate allows: retransmissions first, then new packets. */
  pump(nowUs: number): void {
    this.refill(nowUs);
    if (this.options.tooLateDrop) this.dropTooLate(nowUs);
    this.resendIfStalled(nowUs);
    for (const seq of this.resend) {
      if (this.tokens <= 0) return;
      this.resend.delete(seq);
      const packet = this.find(seq);
      if (!packet) continue;
      const copies = this.resendCopies(packet, nowUs);
      packet.resent = true;
      for (let copy = 0; copy < copies; copy++) this.transmit(packet, true, nowUs);
      this.stats.packetsRetransmitted += copies;
    }
    while (this.tokens > 0 && this.queued.length > 0) {
      const packet = this.queued.shift()!;
      this.queuedBytes -= packet.payload.length;
      this.transmit(packet, false, nowUs);
      this.unacked.push(packet);
      this.stats.packetsSent++;
      if (this.unacked.length > this.options.maxUnacked) this.unacked.shift();
    }
  }

  /** A full or light ACK: forgets what the peer has, and answers a full one with an ACKACK. */
  onAck(ackNumber: number, ack: AckInfo, nowUs: number): void {
    const count = this.unacked.findIndex((packet) => seqOffset(ack.ackSeq, packet.seq) >= 0);
    const newest = count > 0 ? this.unacked[count - 1] : count === -1 ? this.unacked.at(-1) : undefined;
    if (newest && !newest.resent) this.sampleRtt(nowUs - newest.sentUs);
    this.unacked = count === -1 ? [] : this.unacked.slice(count);
    if (ack.rtt !== undefined) {
      this.stats.rttUs = ack.rtt;
      this.output(encodeAckAck(ackNumber, nowUs, this.options.peerId));
    }
    this.peerLacks = ack.ackSeq;
  }

  /**
   * The packet the last ACK asked for, unanswered past its resend time: that packet, or the NAK
   * asking for it, or its resend, was lost, and it is sent again without waiting for a NAK. The
   * check runs on the clock, not on ACKs: libsrt stops ACKing while the number it would ACK does
   * not move, and its periodic NAKs come only every round trip plus four times its variance
   * (300 ms and more on a jittery link), too late for a latency of a few round trips.
   */
  private resendIfStalled(nowUs: number): void {
    const head = this.unacked[0];
    if (head && head.seq === this.peerLacks && this.srttUs > 0 && nowUs >= this.resendDueUs(head)) this.resend.add(head.seq);
  }

  /** A NAK: resends what is still held, and tells the peer to stop waiting for the rest. */
  onNak(ranges: readonly LossRange[], nowUs: number): void {
    const oldest = this.unacked[0]?.seq ?? this.queued[0]?.seq ?? this.nextSeq;
    for (const seq of lostSequences(ranges)) {
      if (seqOffset(oldest, seq) >= 0) {
        if (seqOffset(seq, this.nextSeq) > 0) this.resend.add(seq);
      } else {
        this.output(encodeDropRequest(0, { first: seq, last: seq }, nowUs, this.options.peerId));
      }
    }
  }

  private find(seq: number): Sent | undefined {
    const first = this.unacked[0];
    if (!first) return undefined;
    const packet = this.unacked[seqOffset(first.seq, seq)];
    return packet?.seq === seq ? packet : undefined;
  }

  /** RFC 6298's smoothing of round-trip samples. */
  private sampleRtt(sampleUs: number): void {
    if (this.srttUs === 0) {
      this.srttUs = sampleUs;
      this.rttVarUs = sampleUs / 2;
      return;
    }
    this.rttVarUs = 0.75 * this.rttVarUs + 0.25 * Math.abs(this.srttUs - sampleUs);
    this.srttUs = 0.875 * this.srttUs + 0.125 * sampleUs;
  }

  /**
   * Two copies of a resend when losing it would leave no time to ask again: the packet was resent
   * before (so a resend or NAK was lost already), or less than two round trips remain before the
   * peer plays it. A lost last packet of a frame is only noticed when the next frame arrives, so
   * at a latency of 3 round trips its first resend often goes out with 2 left; on a link losing
   * 5 % each way, one copy then fails about one play in ten, two copies hardly ever.
   */
  private resendCopies(packet: Sent, nowUs: number): number {
    if (packet.resent) return 2;
    const leftUs = packet.timestamp + this.options.latencyMs * 1000 - nowUs;
    return leftUs < 2 * (this.srttUs || INITIAL_RTT_US) ? 2 : 1;
  }

  /**
   * When silence about a packet last sent at `sentUs` means it was lost: a round trip and its
   * variance later (RFC 6298), but early enough that a resend still arrives before the peer
   * plays it, and never before a round trip and one ACK period have passed.
   */
  private resendDueUs(packet: Sent): number {
    const earliest = packet.sentUs + this.srttUs + MIN_RETRANSMIT_TIMEOUT_US;
    const patient = packet.sentUs + this.srttUs + Math.max(MIN_RETRANSMIT_TIMEOUT_US, 4 * this.rttVarUs);
    const beforePlay = packet.timestamp + this.options.latencyMs * 1000 - this.srttUs;
    return Math.max(earliest, Math.min(patient, beforePlay));
  }

  private transmit(packet: Sent, retransmitted: boolean, nowUs: number): void {
    packet.sentUs = nowUs;
    this.tokens -= packet.payload.length + 44; // SRT, UDP and IP headers count against the rate
    this.output(
      encodeData({
        seq: packet.seq,
        position: Position.Solo,
        inOrder: false,
        keyFlag: this.options.cipher?.sendKeyFlag ?? 0,
        retransmitted,
        messageNumber: packet.messageNumber,
        timestamp: packet.timestamp,
        destinationId: this.options.peerId,
        payload: packet.payload,
      }),
    );
  }

  private refill(nowUs: number): void {
    const elapsed = Math.max(0, nowUs - this.lastRefillUs);
    this.lastRefillUs = nowUs;
    this.tokens = Math.min(MAX_BURST_BYTES, this.tokens + (elapsed * this.options.maxBandwidth) / 1e6);
  }

  /** Packets the peer would drop on arrival are not sent (again); the peer is told to skip them. */
  private dropTooLate(nowUs: number): void {
    const limit = nowUs - this.options.latencyMs * 1000 - DROP_MARGIN_US;
    let dropped = 0;
    while (this.unacked.length > 0 && this.unacked[0]!.timestamp < limit) {
      this.resend.delete(this.unacked.shift()!.seq);
      dropped++;
    }
    while (this.queued.length > 0 && this.queued[0]!.timestamp < limit) {
      const packet = this.queued.shift()!;
      this.queuedBytes -= packet.payload.length;
      // Never sent: the peer must be told these numbers will not come.
      this.output(encodeDropRequest(packet.messageNumber, { first: packet.seq, last: packet.seq }, nowUs, this.options.peerId));
      dropped++;
    }
    this.stats.packetsDropped += dropped;
  }
}
