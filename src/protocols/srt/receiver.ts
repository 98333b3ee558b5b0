import { encodeAck, encodeNak, type LossRange } from './control.js';
import { seqNext, seqOffset } from './sequence.js';

export interface ReceiverOptions {
  initialSeq: number;
  peerId: number;
  /** The negotiated receive latency, in ms: each packet is delivered this long after it was sent. */
  latencyMs: number;
  tooLateDrop: boolean;
  /** Packets the receive buffer holds (announced to the peer as its flow window). */
  bufferPackets: number;
}

export interface ReceiverStats {
  packetsReceived: number;
  packetsLost: number;
  packetsRetransmitted: number;
  packetsDropped: number;
  /** Packets numbered beyond the receive window either way: not from this connection's sender. */
  packetsOutOfWindow: number;
  rttUs: number;
}

/** NAKs for a loss are repeated this often until it is filled (libsrt: RTT + 4 * variance, at least 20 ms). */
const MIN_NAK_INTERVAL_US = 20_000;
const TIMESTAMP_WRAP = 2 ** 32;
const PACKET_OVERHEAD = 44;
/** libsrt sends a full ACK every 10 ms (its SYN interval), and a light one every 64 packets between. */
const ACK_INTERVAL_US = 10_000;
const LIGHT_ACK_PACKETS = 64;

/**
 * The receiving half of a live-mode connection: buffers packets by sequence number, NAKs gaps
 * at once and again periodically, ACKs what it holds in order, and hands payloads on at their
 * time (TSBPD: sender's timestamp + latency), skipping what is too late. Pure like SrtSender.
 */
export class SrtReceiver {
  /** The next sequence number to deliver. */
  private nextSeq: number;
  /** One past the highest sequence number received. */
  private frontSeq: number;
  /** Where the last ackSeq scan stopped. */
  private inOrderSeq: number;
  /**
   * The receive buffer: a ring of slots indexed by sequence number (its size a power of two, so
   * the index survives the 31-bit wrap), each a payload and its unwrapped timestamp. Preallocated,
   * so a packet costs no object and no map entry.
   */
  private readonly payloads: (Buffer | undefined)[];
  private readonly times: Float64Array;
  private readonly mask: number;
  /** Packets held in the ring. */
  private held = 0;
  private readonly losses = new Set<number>();
  private lastNakUs = 0;
  private lastAckSeq = -1;
  private nextAckUs = 0;
  /** Packets received since the last ACK, full or light. */
  private sinceAck = 0;
  private ackNumber = 0;
  private readonly acksSent = new Map<number, number>();
  /** Local time (µs) that corresponds to the peer's timestamp 0, learned from the first packet. */
  private timeBase: number | undefined;
  private lastTimestamp = 0;
  private timestampEpoch = 0;
  private rttVarUs = 50_000;
  private window = { startUs: 0, packets: 0, bytes: 0, packetRate: 0, byteRate: 0 };
  readonly stats: ReceiverStats = { packetsReceived: 0, packetsLost: 0, packetsRetransmitted: 0, packetsDropped: 0, packetsOutOfWindow: 0, rttUs: 100_000 };

  constructor(
    private readonly options: ReceiverOptions,
    private readonly output: (datagram: Buffer) => void,
    private readonly deliver: (payload: Buffer) => void,
  ) {
    this.nextSeq = options.initialSeq;
    this.frontSeq = options.initialSeq;
    this.inOrderSeq = options.initialSeq;
    const size = 2 ** Math.ceil(Math.log2(Math.max(2, options.bufferPackets)));
    this.payloads = new Array<Buffer | undefined>(size).fill(undefined);
    this.times = new Float64Array(size);
    this.mask = size - 1;
  }

  /**
   * A data packet's sequence number, timestamp (µs, as sent), retransmission flag and clear
   * payload; false when its sequence number is absurd (outside the window either way), dropped untouched.
   */
  onData(seq: number, timestamp: number, retransmitted: boolean, payload: Buffer, nowUs: number): boolean {
    const offset = seqOffset(this.nextSeq, seq);
    if (offset >= this.options.bufferPackets || offset < -this.options.bufferPackets) {
      this.stats.packetsOutOfWindow++;
      return false;
    }
    this.stats.packetsReceived++;
    this.window.packets++;
    this.window.bytes += payload.length + PACKET_OVERHEAD;
    if (retransmitted) this.stats.packetsRetransmitted++;
    const time = this.localTime(timestamp);
    this.timeBase ??= nowUs - time;
    const slot = seq & this.mask;
    if (offset < 0 || this.payloads[slot] !== undefined) return true;
    this.payloads[slot] = payload;
    this.times[slot] = time;
    this.held++;
    if (this.losses.size > 0) this.losses.delete(seq);
    const ahead = seqOffset(this.frontSeq, seq);
    if (ahead > 0) {
      const gap: LossRange = { first: this.frontSeq, last: seqNext(seq, -1) };
      for (let lost = gap.first; lost !== seq; lost = seqNext(lost)) this.losses.add(lost);
      this.stats.packetsLost += ahead;
      this.output(encodeNak([gap], nowUs, this.options.peerId));
    }
    if (ahead >= 0) this.frontSeq = seqNext(seq);
    if (++this.sinceAck >= LIGHT_ACK_PACKETS) this.lightAck(nowUs);
    return true;
  }

  /** The sender says these will never come: stop waiting for them. */
  onDropRequest(range: LossRange): void {
    for (let seq = range.first; ; seq = seqNext(seq)) {
      this.losses.delete(seq);
      if (seq === range.last || seqOffset(range.first, seq) > this.options.bufferPackets) break;
    }
  }

  /** RTT from the ACKACK that answers one of our ACKs. */
  onAckAck(ackNumber: number, nowUs: number): void {
    const sentAt = this.acksSent.get(ackNumber);
    if (sentAt === undefined) return;
    this.acksSent.delete(ackNumber);
    const sample = nowUs - sentAt;
    this.rttVarUs = (3 * this.rttVarUs + Math.abs(sample - this.stats.rttUs)) / 4;
    this.stats.rttUs = (7 * this.stats.rttUs + sample) / 8;
  }

  /** Runs every few ms: delivers what is due, ACKs every 10 ms, repeats NAKs. */
  tick(nowUs: number): void {
    this.deliverDue(nowUs);
    this.measure(nowUs);
    this.ack(nowUs);
    const nakInterval = Math.max(MIN_NAK_INTERVAL_US, this.stats.rttUs + 4 * this.rttVarUs);
    if (this.losses.size > 0 && nowUs - this.lastNakUs >= nakInterval) {
      this.lastNakUs = nowUs;
      this.output(encodeNak(ranges([...this.losses].sort((a, b) => seqOffset(b, a))), nowUs, this.options.peerId));
    }
  }

  private deliverDue(nowUs: number): void {
    const base = this.timeBase;
    if (base === undefined) return;
    const latencyUs = this.options.latencyMs * 1000;
    while (seqOffset(this.nextSeq, this.frontSeq) > 0) {
      const slot = this.nextSeq & this.mask;
      const payload = this.payloads[slot];
      if (payload) {
        if (base + this.times[slot]! + latencyUs > nowUs) return;
        this.payloads[slot] = undefined;
        this.held--;
        this.nextSeq = seqNext(this.nextSeq);
        this.deliver(payload);
        continue;
      }
      // A gap: skip it only when a later packet is already due (too-late drop).
      const later = this.firstBuffered();
      if (!this.options.tooLateDrop || later === undefined || base + this.times[later & this.mask]! + latencyUs > nowUs) return;
      for (let seq = this.nextSeq; seq !== later; seq = seqNext(seq)) {
        this.losses.delete(seq);
        this.stats.packetsDropped++;
      }
      this.nextSeq = later;
    }
  }

  /** The sequence number of the first packet held after a gap. */
  private firstBuffered(): number | undefined {
    for (let seq = this.nextSeq; seqOffset(seq, this.frontSeq) > 0; seq = seqNext(seq)) {
      if (this.payloads[seq & this.mask]) return seq;
    }
    return undefined;
  }

  /**
   * The first sequence number not yet held in order: what the peer may forget up to. The scan
   * resumes where the last one stopped (everything from nextSeq to there is held), so each
   * packet is looked at once, not at every ACK.
   */
  private get ackSeq(): number {
    let seq = seqOffset(this.inOrderSeq, this.nextSeq) > 0 ? this.nextSeq : this.inOrderSeq;
    while (seqOffset(seq, this.frontSeq) > 0 && this.payloads[seq & this.mask]) seq = seqNext(seq);
    this.inOrderSeq = seq;
    return seq;
  }

  /** Between full ACKs, a burst of 64 packets is acknowledged by sequence number alone (no ACKACK, no RTT). */
  private lightAck(nowUs: number): void {
    this.sinceAck = 0;
    const ackSeq = this.ackSeq;
    if (ackSeq !== this.lastAckSeq) this.output(encodeAck(0, { ackSeq }, nowUs, this.options.peerId));
  }

  /** The full ACK, on the 10 ms timer and only when there is news; the peer answers with an ACKACK. */
  private ack(nowUs: number): void {
    if (nowUs < this.nextAckUs) return;
    const ackSeq = this.ackSeq;
    if (ackSeq === this.lastAckSeq) return;
    this.nextAckUs = nowUs + ACK_INTERVAL_US;
    this.sinceAck = 0;
    this.lastAckSeq = ackSeq;
    this.ackNumber = (this.ackNumber % 0x7fffffff) + 1;
    this.acksSent.set(this.ackNumber, nowUs);
    if (this.acksSent.size > 64) this.acksSent.delete(this.acksSent.keys().next().value!);
    const { packetRate, byteRate } = this.window;
    this.output(
      encodeAck(
        this.ackNumber,
        {
          ackSeq,
          rtt: Math.round(this.stats.rttUs),
          rttVariance: Math.round(this.rttVarUs),
          availableBuffer: Math.max(2, this.options.bufferPackets - this.held),
          packetRate,
          linkCapacity: Math.max(packetRate, 1000),
          receiveRate: byteRate,
        },
        nowUs,
        this.options.peerId,
      ),
    );
  }

  /** Receive rates over the last second, for the ACK. */
  private measure(nowUs: number): void {
    const elapsed = nowUs - this.window.startUs;
    if (elapsed < 1_000_000) return;
    this.window.packetRate = Math.round((this.window.packets * 1e6) / elapsed);
    this.window.byteRate = Math.round((this.window.bytes * 1e6) / elapsed);
    this.window.startUs = nowUs;
    this.window.packets = 0;
    this.window.bytes = 0;
  }

  /** The peer's 32-bit µs timestamp, unwrapped (it wraps every 71 minutes). */
  private localTime(timestamp: number): number {
    if (timestamp < this.lastTimestamp && this.lastTimestamp - timestamp > TIMESTAMP_WRAP / 2) this.timestampEpoch += TIMESTAMP_WRAP;
    this.lastTimestamp = timestamp;
    return timestamp + this.timestampEpoch;
  }
}

/** Sorted sequence numbers as ranges. */
export function ranges(sorted: readonly number[]): LossRange[] {
  const out: LossRange[] = [];
  for (const seq of sorted) {
    const last = out.at(-1);
    if (last && seqNext(last.last) === seq) last.last = seq;
    else out.push({ first: seq, last: seq });
  }
  return out;
}
