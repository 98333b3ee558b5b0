import { createHash, randomBytes, randomInt } from 'node:crypto';
import { Audience } from '../../hub/audience.js';
import type { OutputFormat } from '../../hub/reader.js';
import type { Stream } from '../../hub/stream.js';
import type { MediaFrame } from '../../media/frame.js';
import { encodeRtp } from '../../protocols/rtp/packet.js';
import { SluiceError } from '../../util/errors.js';
import type { H264Options } from './h264-frames.js';
import type { RtcVideoCodec } from './rtc-codecs.js';
import { rtpPictures, type RtpPictures } from './rtc-video-out.js';

/** RTP payload bytes: packets fit a 1280-byte path MTU with SRTP's tag and the IP/UDP headers. */
const MAX_PAYLOAD = 1160;
/** Packets kept per track for retransmission on NACK (a few seconds of video at a few Mbps). */
const CACHE_PACKETS = 1024;
const NOTHING = Buffer.alloc(0);

/** The SSRCs a stream's WebRTC players receive; the same for every player (each is its own peer). */
export interface StreamSsrcs {
  video: number;
  rtx: number;
  audio: number;
}

/** Where a track's RTP clock stands, for sender reports: this RTP time is this wall-clock ms. */
export interface TrackClock {
  rtpTimestamp: number;
  /** The NTP instant of that RTP time, ms since the epoch. */
  wallMs: number;
}

/**
 * A stream's video (H.264, H.265, VP9 or AV1) as RTP for WebRTC players, packetized once per
 * codec and payload type and shared by every player of them (the hub's shared-format feed
 * carries the packets, each behind a 2-byte length). The last packets stay cached for
 * retransmission on NACK.
 */
export class RtcVideoFormat implements OutputFormat {
  readonly key: string;
  readonly audience = Audience.webrtc;
  private readonly frames: RtpPictures;
  private readonly cache: Array<Buffer | undefined> = new Array(CACHE_PACKETS);
  private sequence = randomInt(0, 0x10000);
  private readonly base = randomInt(0, 0xffffffff);
  /** Hub time to wall time, set by the first picture: audio of the stream maps its time the same way. */
  origin: { ms: number; wallMs: number } | undefined;
  clock: TrackClock | undefined;
  /** Pictures that had B-slices (dropped unless kept). */
  bframes = 0;
  private warned = false;

  constructor(
    private readonly payloadType: number,
    private readonly ssrc: number,
    options: H264Options,
    private readonly onBframes: () => void,
    codec: RtcVideoCodec = 'H264',
    onOtherCodec: (codec: string) => void = () => undefined,
  ) {
    this.key = `webrtc:${codec}:${payloadType}:${ssrc}:${options.keepBframes ? 'b' : ''}${options.keepSei ? 's' : ''}`;
    this.frames = rtpPictures(codec, options, MAX_PAYLOAD, onOtherCodec);
  }

  readonly encode = (frame: MediaFrame): Buffer => {
    if (frame.kind !== 'video') return NOTHING;
    try {
      const picture = this.frames.picture(frame);
      if (!picture) return NOTHING;
      if (picture.droppedB) {
        this.bframes++;
        if (!this.warned) {
          this.warned = true;
          this.onBframes();
        }
      }
      if (picture.payloads.length === 0) return NOTHING;
      const origin = (this.origin ??= { ms: picture.presentationMs, wallMs: Date.now() });
      const timestamp = (this.base + Math.round((picture.presentationMs - origin.ms) * 90)) >>> 0;
      this.clock = { rtpTimestamp: timestamp, wallMs: origin.wallMs + (picture.presentationMs - origin.ms) };
      const parts: Buffer[] = [];
      for (const { payload, marker } of picture.payloads) {
        const packet = encodeRtp({ payloadType: this.payloadType, marker, sequence: this.sequence, timestamp, ssrc: this.ssrc, payload });
        this.cache[this.sequence % CACHE_PACKETS] = packet;
        this.sequence = (this.sequence + 1) & 0xffff;
        const length = Buffer.allocUnsafe(2);
        length.writeUInt16BE(packet.length);
        parts.push(length, packet);
      }
      return Buffer.concat(parts);
    } catch (error) {
      // A malformed frame from the publisher is left out; the stream goes on.
      if (error instanceof SluiceError) return NOTHING;
      throw error;
    }
  };

  /** The cached packet of this sequence number, for a retransmission. */
  cached(sequence: number): Buffer | undefined {
    const packet = this.cache[sequence % CACHE_PACKETS];
    return packet && packet.readUInt16BE(2) === sequence ? packet : undefined;
  }
}

/** Calls `each` with every RTP packet in a batch the shared feed wrote. */
export function forEachPacket(batch: Buffer, each: (packet: Buffer) => void): void {
  let at = 0;
  while (at + 2 <= batch.length) {
    const length = batch.readUInt16BE(at);
    each(batch.subarray(at + 2, at + 2 + length));
    at += 2 + length;
  }
}

/**
 * Per stream: a format per codec, payload type and H.264 options. The SSRCs are derived from the
 * stream's key (with a per-server salt), so an answer can name them before the stream exists.
 */
export class RtcOutputs {
  private readonly formats = new WeakMap<Stream, Map<string, RtcVideoFormat>>();
  private readonly salt = randomBytes(16);

  ssrcsOf(streamKey: string): StreamSsrcs {
    const hash = createHash('sha256').update(this.salt).update(streamKey).digest();
    const ssrc = (at: number): number => hash.readUInt32BE(at) || 1;
    return { video: ssrc(0), rtx: ssrc(4), audio: ssrc(8) };
  }

  /** `ssrc`: what the player's answer named (the stream's, unless the gate renamed the stream since). */
  videoOf(stream: Stream, payloadType: number, ssrc: number, options: H264Options, onBframes: () => void, codec: RtcVideoCodec = 'H264', onOtherCodec?: (codec: string) => void): RtcVideoFormat {
    let formats = this.formats.get(stream);
    if (!formats) {
      formats = new Map();
      this.formats.set(stream, formats);
    }
    const key = `${codec}:${payloadType}:${ssrc}:${options.keepBframes}:${options.keepSei}`;
    let format = formats.get(key);
    if (!format) {
      format = new RtcVideoFormat(payloadType, ssrc, options, onBframes, codec, onOtherCodec);
      formats.set(key, format);
    }
    return format;
  }
}
