import { randomInt } from 'node:crypto';
import type { OutputFormat } from '../../hub/reader.js';
import type { Stream } from '../../hub/stream.js';
import type { MediaFrame } from '../../media/frame.js';
import { encodeRtp } from '../../protocols/rtp/packet.js';
import { encodeSenderReport, ntpFromUnixMs } from '../../protocols/rtp/rtcp.js';
import { interleavedHeader } from '../../protocols/rtsp/message.js';
import { SluiceError } from '../../util/errors.js';
import { heldWrites } from '../direct-write.js';
import type { PlayTrack } from './play-tracks.js';

const NOTHING = Buffer.alloc(0);
/** Media time between sender reports of a track. */
const REPORT_EVERY_MS = 1000;

/** A track as a player set it up: the interleaved channel of its RTP (RTCP on the next). */
export interface TrackChannel {
  track: PlayTrack;
  channel: number;
}

/**
 * RTP for RTSP players, encoded once per stream and channel layout and shared by every player
 * with that layout: interleaved frames (`$`, channel, length, packet), which TCP players take as
 * they are and UDP players split into datagrams. Each track has one SSRC, sequence and RTP time
 * base; sender reports map every track to one NTP timeline, so players line audio up with video.
 */
export class RtpOutputs {
  private readonly formats = new WeakMap<Stream, Map<string, OutputFormat>>();

  of(stream: Stream, channels: readonly TrackChannel[]): OutputFormat {
    const key = `rtsp:${channels.map(({ track, channel }) => `${track.sdp.rtpmap}@${channel}`).join(',')}`;
    let formats = this.formats.get(stream);
    if (!formats) {
      formats = new Map();
      this.formats.set(stream, formats);
    }
    let format = formats.get(key);
    if (!format) {
      format = new RtpFormat(key, channels);
      formats.set(key, format);
    }
    return format;
  }
}

interface TrackState {
  readonly track: PlayTrack;
  readonly channel: number;
  readonly ssrc: number;
  readonly base: number;
  sequence: number;
  packets: number;
  octets: number;
  reportedAt: number | undefined;
}

class RtpFormat implements OutputFormat {
  /** Players over TCP write through `DirectWriter`; UDP players' sinks never hold. */
  readonly flushWrites = heldWrites;
  private readonly states: TrackState[];
  /** The NTP instant of the first frame sent, shared by all tracks. */
  private origin: { ntpMs: number; ms: number } | undefined;

  constructor(
    readonly key: string,
    channels: readonly TrackChannel[],
  ) {
    this.states = channels.map(({ track, channel }) => ({
      track,
      channel,
      ssrc: randomInt(0, 0xffffffff),
      base: randomInt(0, 0xffffffff),
      sequence: randomInt(0, 0x10000),
      packets: 0,
      octets: 0,
      reportedAt: undefined,
    }));
  }

  readonly encode = (frame: MediaFrame): Buffer => {
    const state = this.states.find((candidate) => candidate.track.kind === frame.kind);
    if (!state) return NOTHING;
    try {
      const packetized = state.track.packetize(frame);
      if (!packetized || packetized.payloads.length === 0) return NOTHING;
      const origin = (this.origin ??= { ntpMs: ntpFromUnixMs(Date.now()), ms: packetized.presentationMs });
      const elapsed = packetized.presentationMs - origin.ms;
      const timestamp = (state.base + Math.round((elapsed * state.track.clockRate) / 1000)) >>> 0;
      const parts: Buffer[] = [];
      // Players start at a keyframe: every track's report goes just before it, so a player that
      // joins there maps its tracks to the NTP timeline from its first packet (ffmpeg re-bases its
      // timestamps when a track's first report comes late, and its decode times then step back).
      if (frame.kind === 'video' && frame.keyframe) {
        for (const track of this.states) parts.push(...this.report(track, packetized.presentationMs, origin.ntpMs, elapsed));
      } else if (state.reportedAt === undefined || Math.abs(packetized.presentationMs - state.reportedAt) >= REPORT_EVERY_MS) {
        parts.push(...this.report(state, packetized.presentationMs, origin.ntpMs, elapsed));
      }
      for (const { payload, marker } of packetized.payloads) {
        const packet = encodeRtp({ payloadType: state.track.sdp.payloadType, marker, sequence: state.sequence, timestamp, ssrc: state.ssrc, payload });
        state.sequence = (state.sequence + 1) & 0xffff;
        state.packets++;
        state.octets += payload.length;
        parts.push(interleavedHeader(state.channel, packet.length), packet);
      }
      return Buffer.concat(parts);
    } catch (error) {
      // A malformed frame from the publisher is left out; the stream goes on.
      if (error instanceof SluiceError) return NOTHING;
      throw error;
    }
  };

  /** A sender report of a track, `elapsed` ms of media after the origin, as an interleaved frame. */
  private report(state: TrackState, presentationMs: number, originNtpMs: number, elapsed: number): Buffer[] {
    state.reportedAt = presentationMs;
    const rtpTimestamp = (state.base + Math.round((elapsed * state.track.clockRate) / 1000)) >>> 0;
    const report = encodeSenderReport({ ssrc: state.ssrc, ntpMs: originNtpMs + elapsed, rtpTimestamp, packets: state.packets, octets: state.octets });
    return [interleavedHeader(state.channel + 1, report.length), report];
  }
}
