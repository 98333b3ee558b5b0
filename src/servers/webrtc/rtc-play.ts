import { Reader, type FrameSink } from '../../hub/reader.js';
import type { Stream } from '../../hub/stream.js';
import { encodeRtp } from '../../protocols/rtp/packet.js';
import { buildSdes, buildSenderReport, compound } from '../../protocols/rtp/rtcp-build.js';
import type { RtcpPacket } from '../../protocols/rtp/rtcp-packets.js';
import type { AudioPacket } from '../../transcode/types.js';
import type { Logger } from '../../util/logger.js';
import { ntpTime, roundTripMs } from './ntp.js';
import { forEachPacket, type RtcVideoFormat } from './rtc-output.js';
import type { RtcLinkCounters } from './rtc-link.js';
import type { RtcTransport } from './rtc-transport.js';

const REPORT_EVERY_MS = 1000;

/** What a player was answered with: payload types and our SSRCs. */
export interface PlayTracks {
  video?: { format: RtcVideoFormat; ssrc: number; rtxPayloadType?: number; rtxSsrc?: number };
  audio?: { payloadType: number; ssrc: number };
  cname: string;
  /** Answer NACKs from the packet cache (vhost rtc `nack`). */
  nack: boolean;
}

/** Opus for a stream's players: subscribes a listener, returns the unsubscribe. */
export type AudioSource = (stream: Stream, listener: (packet: AudioPacket) => void) => () => void;

interface SentTrack {
  ssrc: number;
  packets: number;
  octets: number;
  clock: () => { rtpTimestamp: number; wallMs: number } | undefined;
}

/**
 * A player's end of its hub reader: RTP to its transport. Its send path is the pacer and the
 * socket's queue: a player stuck there is slow like any other (hub reader rule). A class, so
 * every player's sink has one shape where the hub reads `pendingBytes` (object literals with a
 * getter each have their own).
 */
class RtcSink implements FrameSink {
  constructor(
    private readonly transport: RtcTransport,
    private readonly track: SentTrack,
    readonly close: (reason: string) => void,
  ) {}

  get pendingBytes(): number {
    return this.transport.pendingBytes;
  }

  write(batch: Buffer): void {
    forEachPacket(batch, this.send);
  }

  // Made once: a batch comes per frame, a packet per viewer and packet.
  private readonly send = (packet: Buffer): void => {
    this.track.packets++;
    this.track.octets += packet.length - 12;
    this.transport.sendRtp(packet);
  };
}

/**
 * A WebRTC player: a hub reader whose shared RTP (video) it protects and sends, Opus from the
 * stream's audio source, sender reports for lip sync, and the player's feedback: NACKs answered
 * from the stream's packet cache (over RTX when negotiated), PLI/FIR passed on to a WebRTC
 * publisher (other sources cannot be asked; players start at the GOP cache's keyframe).
 */
export class RtcPlayer {
  private reader: Reader | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly sent = new Map<number, SentTrack>();
  private reportedAt = 0;
  private rtxSequence = 0;
  private audio: { sequence: number; base: number; origin?: { ms: number; wallMs: number }; last?: { rtpTimestamp: number; wallMs: number } } = {
    sequence: Math.floor(Math.random() * 0x10000),
    base: Math.floor(Math.random() * 0xffffffff),
  };

  constructor(
    private readonly id: string,
    private readonly stream: Stream,
    private readonly tracks: PlayTracks,
    private readonly transport: RtcTransport,
    private readonly counters: RtcLinkCounters,
    /** Asks the stream's publisher for a keyframe; false when it cannot be asked (not WebRTC). */
    private readonly requestKeyframe: () => boolean,
    private readonly log: Logger,
  ) {
    if (tracks.video) this.sent.set(tracks.video.ssrc, { ssrc: tracks.video.ssrc, packets: 0, octets: 0, clock: () => tracks.video!.format.clock });
    if (tracks.audio) this.sent.set(tracks.audio.ssrc, { ssrc: tracks.audio.ssrc, packets: 0, octets: 0, clock: () => this.audio.last });
  }

  start(audioSource: AudioSource | undefined, onClose: (reason: string) => void): void {
    const video = this.tracks.video;
    if (video) {
      const sink = new RtcSink(this.transport, this.sent.get(video.ssrc)!, onClose);
      this.reader = new Reader(this.id, sink, video.format);
      this.stream.addReader(this.reader);
      // A WebRTC publisher sends keyframes only when asked: a new player should not wait for the next one.
      this.requestKeyframe();
    }
    if (this.tracks.audio && audioSource) {
      try {
        this.unsubscribe = audioSource(this.stream, (packet) => this.sendAudio(packet));
      } catch (error) {
        this.log.warn({ err: error instanceof Error ? error.message : String(error) }, 'rtc play: no audio for this player');
      }
    }
  }

  stop(): void {
    if (this.reader) this.stream.removeReader(this.reader);
    this.unsubscribe?.();
    this.reader = undefined;
    this.unsubscribe = undefined;
  }

  rtcp(packets: readonly RtcpPacket[]): void {
    for (const packet of packets) {
      if (packet.type === 'nack') this.nack(packet.sequences);
      else if (packet.type === 'pli' || packet.type === 'fir') this.keyframeRequest(packet.type);
      else if (packet.type === 'rr' || packet.type === 'sr') {
        for (const block of packet.reports) {
          if (!this.sent.has(block.ssrc)) continue;
          const rtt = roundTripMs(block.lastSr, block.delaySinceLastSr, Date.now());
          if (rtt !== undefined) this.counters.rttMs = rtt;
          if (block.ssrc === this.tracks.video?.ssrc) this.counters.packetsLost = Math.max(0, block.packetsLost);
        }
      }
    }
  }

  /** Sender reports once a second: NTP and RTP time of each track, for lip sync and RTT. */
  tick(now: number): void {
    if (now - this.reportedAt < REPORT_EVERY_MS) return;
    this.reportedAt = now;
    const reports: Buffer[] = [];
    for (const track of this.sent.values()) {
      const clock = track.clock();
      if (!clock) continue;
      const rate = track.ssrc === this.tracks.audio?.ssrc ? 48 : 90;
      const rtpTimestamp = (clock.rtpTimestamp + Math.round((now - clock.wallMs) * rate)) >>> 0;
      const { seconds, fraction } = ntpTime(now);
      reports.push(buildSenderReport({ ssrc: track.ssrc, ntpSeconds: seconds, ntpFraction: fraction, rtpTimestamp, packets: track.packets, octets: track.octets }));
    }
    if (reports.length === 0) return;
    const first = [...this.sent.values()][0]!;
    this.transport.sendRtcp(compound(...reports, buildSdes([{ ssrc: first.ssrc, cname: this.tracks.cname }])));
  }

  private nack(sequences: readonly number[]): void {
    const video = this.tracks.video;
    this.counters.nackReceived++;
    if (!video || !this.tracks.nack) return;
    for (const sequence of sequences) {
      const packet = video.format.cached(sequence);
      if (!packet) continue;
      this.counters.retransmitted++;
      if (video.rtxPayloadType === undefined || video.rtxSsrc === undefined) {
        this.transport.sendRtp(packet);
        continue;
      }
      // RTX (RFC 4588): the original sequence number in front of the original payload.
      const payload = Buffer.allocUnsafe(packet.length - 10);
      payload.writeUInt16BE(sequence, 0);
      packet.copy(payload, 2, 12);
      this.rtxSequence = (this.rtxSequence + 1) & 0xffff;
      this.transport.sendRtp(encodeRtp({ payloadType: video.rtxPayloadType, marker: (packet[1]! & 0x80) !== 0, sequence: this.rtxSequence, timestamp: packet.readUInt32BE(4), ssrc: video.rtxSsrc, payload }));
    }
  }

  /** Passed on to a WebRTC publisher; an RTMP (or other) source cannot be asked, the next keyframe comes with its GOP. */
  private keyframeRequest(kind: 'pli' | 'fir'): void {
    const passed = this.requestKeyframe();
    // Logged for the first and every 10th.
    if (this.counters.pliReceived++ % 10 === 0) {
      this.log.info({ kind, count: this.counters.pliReceived, passed_to_publisher: passed }, passed ? 'rtc player asked for a keyframe; asked the publisher' : 'rtc player asked for a keyframe; it gets the next one the source sends');
    }
  }

  private sendAudio(packet: AudioPacket): void {
    const audio = this.tracks.audio!;
    const state = this.audio;
    // One timeline with the video, so sender reports line the two up.
    state.origin ??= this.tracks.video?.format.origin ?? { ms: packet.timestamp, wallMs: Date.now() };
    const timestamp = (state.base + Math.round((packet.timestamp - state.origin.ms) * 48)) >>> 0;
    state.last = { rtpTimestamp: timestamp, wallMs: state.origin.wallMs + (packet.timestamp - state.origin.ms) };
    const rtp = encodeRtp({ payloadType: audio.payloadType, marker: false, sequence: state.sequence, timestamp, ssrc: audio.ssrc, payload: packet.data });
    state.sequence = (state.sequence + 1) & 0xffff;
    const track = this.sent.get(audio.ssrc)!;
    track.packets++;
    track.octets += packet.data.length;
    this.transport.sendRtp(rtp);
  }
}
