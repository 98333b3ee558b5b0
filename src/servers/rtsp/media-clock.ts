import { timestampDelta } from '../../protocols/rtp/packet.js';
import type { SenderReport } from '../../protocols/rtp/rtcp.js';

/**
 * Maps a publisher's RTP timestamps to the hub's ms clock, one track at a time. A track starts
 * where its first packet falls: on the shared NTP timeline of the sender reports when the track
 * had one (so audio and video line up as the sender meant), else at its arrival time. From
 * there its own RTP clock runs it, extended past 32-bit wrap, so nothing drifts.
 */
export class MediaClock {
  private ntpOrigin: number | undefined;
  private readonly startedAt: number;

  constructor(private readonly now: () => number = Date.now) {
    this.startedAt = now();
  }

  track(clockRate: number): TrackClock {
    return new TrackClock(clockRate, this);
  }

  /** The hub time of an NTP instant; the first one asked sits at the current arrival time. */
  fromNtp(ntpMs: number): number {
    this.ntpOrigin ??= ntpMs - this.arrival();
    return ntpMs - this.ntpOrigin;
  }

  arrival(): number {
    return this.now() - this.startedAt;
  }
}

export class TrackClock {
  private report: SenderReport | undefined;
  private start: { rtp: number; ms: number } | undefined;
  private last = 0;
  private ticks = 0;

  constructor(
    readonly clockRate: number,
    private readonly clock: MediaClock,
  ) {}

  /** The sender's NTP/RTP mapping for this track (its latest sender report). */
  senderReport(report: SenderReport): void {
    this.report = report;
  }

  toMs(rtp: number): number {
    if (!this.start) {
      const ms = this.report
        ? this.clock.fromNtp(this.report.ntpMs + (timestampDelta(rtp, this.report.rtpTimestamp) * 1000) / this.clockRate)
        : this.clock.arrival();
      this.start = { rtp, ms };
      this.last = rtp;
    }
    this.ticks += timestampDelta(rtp, this.last);
    this.last = rtp;
    return Math.max(0, Math.round(this.start.ms + (this.ticks * 1000) / this.clockRate));
  }
}
