// Reception figures of one incoming RTP stream (one SSRC), as a browser's receiver keeps them.
import type { ReportBlock } from '../../src/protocols/rtp/rtcp-packets.js';
import { sequenceDelta, timestampDelta } from '../../src/protocols/rtp/packet.js';

/** Sequence numbers remembered as missing at most this far back: older losses are not NACKed. */
const NACK_HORIZON = 512;
const MAX_NACKS = 3;

export class TrackStats {
  packets = 0;
  bytes = 0;
  /** Extended (wrap-free) sequence numbers of the window's first and highest packets. */
  private base: number | undefined;
  private highest = 0;
  /** Arrival minus media time (ms), relative to the stream's first packet: its spread is the delay variation. */
  private firstArrival = 0;
  private mediaMs = 0;
  private lastTimestamp = 0;
  offsetsMs: number[] = [];
  /** RFC 3550 §6.4.1 interarrival jitter, in timestamp units. */
  jitter = 0;
  private lastTransit: number | undefined;
  /** Missing sequence numbers and how many times each was NACKed. */
  private readonly missing = new Map<number, number>();
  nacksSent = 0;
  private lastReport = { expected: 0, received: 0 };

  constructor(
    readonly ssrc: number,
    readonly clockRate: number,
  ) {}

  /** One packet's sequence number, RTP timestamp, size and arrival time (ms, performance.now()). */
  add(sequence: number, timestamp: number, size: number, arrivalMs: number): void {
    if (this.base === undefined) {
      this.base = this.highest = sequence;
      this.firstArrival = arrivalMs;
      this.lastTimestamp = timestamp;
    } else {
      const ext = this.highest + sequenceDelta(sequence, this.highest & 0xffff);
      if (ext > this.highest) {
        for (let s = this.highest + 1; s < ext && ext - s < NACK_HORIZON; s++) this.missing.set(s, 0);
        this.highest = ext;
      } else if (!this.missing.delete(ext)) {
        return; // a duplicate
      }
      this.mediaMs += (1000 * timestampDelta(timestamp, this.lastTimestamp)) / this.clockRate;
      this.lastTimestamp = timestamp;
    }
    this.packets++;
    this.bytes += size;
    const offset = arrivalMs - this.firstArrival - this.mediaMs;
    this.offsetsMs.push(offset);
    const transit = (offset * this.clockRate) / 1000;
    if (this.lastTransit !== undefined) this.jitter += (Math.abs(transit - this.lastTransit) - this.jitter) / 16;
    this.lastTransit = transit;
  }

  /** Packets expected in the window (first to highest sequence number) that never came. */
  get lost(): number {
    return this.base === undefined ? 0 : Math.max(0, this.highest - this.base + 1 - this.packets);
  }

  /** Sequence numbers to NACK now: each asked for up to MAX_NACKS times, none past the horizon. */
  takeNacks(): number[] {
    const out: number[] = [];
    for (const [s, tries] of this.missing) {
      if (this.highest - s >= NACK_HORIZON) this.missing.delete(s);
      if (this.highest - s >= NACK_HORIZON || tries >= MAX_NACKS) continue;
      this.missing.set(s, tries + 1);
      out.push(s & 0xffff);
    }
    this.nacksSent += out.length;
    return out;
  }

  reportBlock(): ReportBlock {
    const expected = this.base === undefined ? 0 : this.highest - this.base + 1;
    const expectedInterval = expected - this.lastReport.expected;
    const lostInterval = expectedInterval - (this.packets - this.lastReport.received);
    this.lastReport = { expected, received: this.packets };
    return {
      ssrc: this.ssrc,
      fractionLost: expectedInterval > 0 && lostInterval > 0 ? Math.floor((lostInterval * 256) / expectedInterval) : 0,
      packetsLost: this.lost,
      highestSequence: this.highest >>> 0,
      jitter: Math.round(this.jitter),
      lastSr: 0,
      delaySinceLastSr: 0,
    };
  }

  /** Starts the measurement window afresh (after the warm-up); the stream's first packet stays the delay reference. */
  resetWindow(): void {
    this.packets = 0;
    this.bytes = 0;
    this.base = this.highest + 1;
    this.offsetsMs = [];
    this.nacksSent = 0;
  }
}
