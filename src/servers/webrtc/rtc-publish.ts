import type { MediaFrame } from '../../media/frame.js';
import { decodeRtp, sequenceDelta, type RtpPacket } from '../../protocols/rtp/packet.js';
import { RtpReorder } from '../../protocols/rtp/reorder.js';
import { readRtpExtensions } from '../../protocols/rtp/header-extensions.js';
import { buildNack, buildPli, buildRemb, buildReceiverReport } from '../../protocols/rtp/rtcp-build.js';
import type { RtcpPacket } from '../../protocols/rtp/rtcp-packets.js';
import { buildTransportCc, type TwccReceived } from '../../protocols/rtp/rtcp-twcc.js';
import { ProtocolError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import { MediaClock, type TrackClock } from '../rtsp/media-clock.js';
import type { RtcLinkCounters } from './rtc-link.js';
import type { RtcTransport } from './rtc-transport.js';
import { NackList } from './nack-list.js';
import type { RtcVideoCodec } from './rtc-codecs.js';
import { rtcVideoTrack, type RtcVideoTrack } from './rtc-video-in.js';

/** What was negotiated for a publisher's tracks. */
export interface PublishTracks {
  video?: { codec: RtcVideoCodec; payloadType: number; rtxPayloadType?: number; ssrc?: number };
  audio?: { payloadType: number; channels: 1 | 2 };
  /** transport-wide-cc extension id, when the browser offered it and feedback is on. */
  transportCc?: number;
  remb: boolean;
}

export interface PublishOptions {
  /** Seconds between keyframe requests (SRS pli_for_rtmp). */
  pliIntervalS: number;
  /** Ask for lost packets again (vhost rtc `nack`). */
  nack: boolean;
  onFrame(frame: MediaFrame): void;
  /** The publisher's Opus packets on the hub clock (for the Opus to AAC bridge). */
  onOpus(packet: { timestamp: number; data: Buffer }): void;
}

const FEEDBACK_EVERY_MS = 100;
const RECEIVER_REPORT_EVERY_MS = 1000;
const REMB_BITRATE = 8_000_000;
const OUR_SSRC = 1;

/**
 * A WebRTC publisher: SRTP-decrypted RTP in, hub frames out. Video is put back in order
 * (waiting for retransmissions the NACKs ask for) and depacketized into whole frames: H.264 and
 * H.265 as AVCC / HVCC with a sequence header built from the parameter sets, VP9 and AV1 as
 * Enhanced RTMP frames with their configuration records; Opus goes to the bridge. Keyframes are
 * asked for at the start, after loss, and every `pli_for_rtmp` seconds; transport-cc feedback
 * (or REMB) keeps the browser's bitrate up.
 */
export class RtcPublisher {
  private readonly clock = new MediaClock();
  private readonly video: { track: RtcVideoTrack; clock: TrackClock; reorder: RtpReorder; nacks: NackList } | undefined;
  private readonly audioClock: TrackClock | undefined;
  private twcc: TwccReceived[] = [];
  private twccCount = 0;
  private feedbackAt = 0;
  private reportAt = 0;
  private pliAt = 0;
  private wantKeyframe = true;
  /** The SSRCs media comes from: the offer's when it announced one, else the first packet's. */
  private readonly mediaSsrc: { video?: number; audio?: number };
  private highest: { video?: number } = {};
  private damaged = 0;

  constructor(
    private readonly tracks: PublishTracks,
    private readonly transport: RtcTransport,
    private readonly counters: RtcLinkCounters,
    private readonly options: PublishOptions,
    private readonly log: Logger,
  ) {
    if (tracks.video) {
      const track = rtcVideoTrack(tracks.video.codec, tracks.video.payloadType);
      this.video = { track, clock: this.clock.track(90000), reorder: new RtpReorder(256), nacks: new NackList() };
    }
    if (tracks.audio) this.audioClock = this.clock.track(48000);
    this.mediaSsrc = { video: tracks.video?.ssrc };
  }

  /** Packets that did not parse, and video payloads dropped as malformed. */
  get damage(): number {
    return this.damaged + (this.video?.track.malformed ?? 0);
  }

  rtp(data: Buffer): void {
    let packet: RtpPacket;
    try {
      packet = decodeRtp(data);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.damaged++;
      return;
    }
    if (this.tracks.transportCc !== undefined) this.arrival(data);
    const { video, audio } = this.tracks;
    if (video && packet.payloadType === video.payloadType) this.videoPacket(packet);
    else if (video && packet.payloadType === video.rtxPayloadType) this.rtxPacket(packet);
    else if (audio && packet.payloadType === audio.payloadType) this.audioPacket(packet);
  }

  rtcp(packets: readonly RtcpPacket[]): void {
    for (const packet of packets) {
      if (packet.type !== 'sr') continue;
      const report = { ssrc: packet.ssrc, ntpMs: packet.ntpSeconds * 1000 + Math.round((packet.ntpFraction * 1000) / 0x1_0000_0000), rtpTimestamp: packet.rtpTimestamp, packets: packet.packets, octets: packet.octets };
      if (packet.ssrc === this.mediaSsrc.video) this.video?.clock.senderReport(report);
      else if (packet.ssrc === this.mediaSsrc.audio) this.audioClock?.senderReport(report);
    }
  }

  /** Feedback on its schedule: NACKs, transport-cc or REMB, receiver reports, keyframe requests. */
  tick(now: number): void {
    const videoSsrc = this.mediaSsrc.video;
    if (this.video && videoSsrc !== undefined) {
      const lost = this.video.nacks.due(now);
      if (lost.length > 0 && this.options.nack) {
        this.counters.nackSent++;
        this.transport.sendRtcp(buildNack(OUR_SSRC, videoSsrc, lost));
      }
      const interval = this.options.pliIntervalS * 1000;
      if ((this.wantKeyframe && now - this.pliAt >= 500) || now - this.pliAt >= interval) {
        this.wantKeyframe = false;
        this.pliAt = now;
        this.counters.pliSent++;
        this.transport.sendRtcp(buildPli(OUR_SSRC, videoSsrc));
      }
    }
    if (now - this.feedbackAt >= FEEDBACK_EVERY_MS) {
      this.feedbackAt = now;
      const media = this.mediaSsrc.video ?? this.mediaSsrc.audio;
      if (this.twcc.length > 0 && media !== undefined) {
        this.transport.sendRtcp(buildTransportCc(OUR_SSRC, media, this.twccCount++ & 0xff, this.twcc));
        this.twcc = [];
      }
    }
    if (now - this.reportAt >= RECEIVER_REPORT_EVERY_MS) {
      this.reportAt = now;
      const ssrcs = [this.mediaSsrc.video, this.mediaSsrc.audio].filter((ssrc): ssrc is number => ssrc !== undefined);
      if (this.tracks.remb && this.tracks.transportCc === undefined && ssrcs.length > 0) this.transport.sendRtcp(buildRemb(OUR_SSRC, REMB_BITRATE, ssrcs));
      if (ssrcs.length > 0) this.transport.sendRtcp(buildReceiverReport(OUR_SSRC, []));
    }
  }

  /** A new player wants a keyframe soon. */
  requestKeyframe(): void {
    this.wantKeyframe = true;
  }

  private videoPacket(packet: RtpPacket): void {
    const video = this.video!;
    this.mediaSsrc.video ??= packet.ssrc;
    if (packet.ssrc !== this.mediaSsrc.video) return;
    this.track(packet.sequence, Date.now());
    for (const { packet: ordered, gap } of video.reorder.push(packet)) {
      if (gap) this.counters.packetsLost++;
      const malformed = video.track.malformed;
      try {
        const frames = video.track.frames(ordered, gap, (rtp) => video.clock.toMs(rtp));
        if (gap) this.wantKeyframe = true;
        for (const frame of frames) this.options.onFrame(frame);
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw error;
        if (this.damaged++ === 0) this.log.warn({ err: error.message, codec: this.tracks.video!.codec }, 'rtc publisher sent damaged video');
        this.wantKeyframe = true;
      }
      if (video.track.malformed > malformed) {
        // Counted and dropped by the depacketizer; the first is logged, the next keyframe asked for.
        if (malformed === 0) this.log.warn({ codec: this.tracks.video!.codec }, 'rtc publisher sent a malformed video payload; dropped');
        this.wantKeyframe = true;
      }
    }
  }

  /** RTX (RFC 4588): the original sequence number, then the original payload. */
  private rtxPacket(packet: RtpPacket): void {
    if (packet.payload.length < 2 || this.mediaSsrc.video === undefined) return;
    const original: RtpPacket = { ...packet, payloadType: this.tracks.video!.payloadType, sequence: packet.payload.readUInt16BE(0), ssrc: this.mediaSsrc.video, payload: packet.payload.subarray(2) };
    this.counters.retransmitted++;
    this.videoPacket(original);
  }

  private audioPacket(packet: RtpPacket): void {
    this.mediaSsrc.audio ??= packet.ssrc;
    if (packet.ssrc !== this.mediaSsrc.audio || packet.payload.length === 0) return;
    this.options.onOpus({ timestamp: this.audioClock!.toMs(packet.timestamp), data: Buffer.from(packet.payload) });
  }

  /** Sequence numbers jumped over are NACKed; the ones that arrive are struck off. */
  private track(sequence: number, now: number): void {
    const nacks = this.video!.nacks;
    const highest = this.highest.video;
    if (highest === undefined) {
      this.highest.video = sequence;
      return;
    }
    const delta = sequenceDelta(sequence, highest);
    if (delta <= 0) {
      nacks.received(sequence);
      return;
    }
    if (delta > 1 && delta < 500) for (let missing = 1; missing < delta; missing++) nacks.missing((highest + missing) & 0xffff, now);
    this.highest.video = sequence;
  }

  private arrival(data: Buffer): void {
    for (const extension of readRtpExtensions(data)) {
      if (extension.id !== this.tracks.transportCc || extension.data.length < 2) continue;
      this.twcc.push({ sequence: extension.data.readUInt16BE(0), arrivalUs: Math.round(performance.now() * 1000) });
      if (this.twcc.length > 500) this.twcc.shift();
    }
  }
}
