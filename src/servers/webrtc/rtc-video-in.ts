import { av1ConfigRecord, ObuType, sizedObu } from '../../codecs/av1.js';
import { readVp9Keyframe, vp9ConfigRecord } from '../../codecs/vp9.js';
import type { MediaFrame } from '../../media/frame.js';
import { Av1Depacketizer, carriedOverRtp } from '../../protocols/rtp/av1.js';
import type { RtpPacket } from '../../protocols/rtp/packet.js';
import { Vp9Depacketizer } from '../../protocols/rtp/vp9.js';
import { ProtocolError } from '../../util/errors.js';
import { recordTrack, type RecordTrack } from '../rtsp/record-tracks.js';
import type { RtcVideoCodec } from './rtc-codecs.js';

/** A publisher's video track: RTP in order to hub frames, with the payloads it dropped. */
export interface RtcVideoTrack extends RecordTrack {
  readonly malformed: number;
}

/** The depacketizer for a negotiated video codec. */
export function rtcVideoTrack(codec: RtcVideoCodec, payloadType: number): RtcVideoTrack {
  if (codec === 'VP9') return new ExVideoTrack('vp09', new Vp9Frames());
  if (codec === 'AV1') return new ExVideoTrack('av01', new Av1Frames());
  // H.264 and H.265 as an RTSP record takes them (RFC 6184 / 7798), parameter sets in band.
  const track = recordTrack({ type: 'video', payloadType, encoding: codec, clockRate: 90000, fmtp: new Map(), control: '' })!;
  return {
    kind: 'video',
    clockRate: 90000,
    frames: (packet, gap, toMs) => track.frames(packet, gap, toMs),
    get malformed() {
      return track.malformed ?? 0;
    },
  };
}

/** A codec's whole frames out of RTP, with the configuration record a keyframe gives. */
interface CodedFrames {
  malformed: number;
  /** Frames completed by this packet; `lost` when something before them was lost or broken. */
  push(packet: RtpPacket, gap: boolean): Array<{ data: Buffer; timestamp: number; keyframe: boolean; record?: Buffer; lost: boolean }>;
}

/**
 * VP9 and AV1 as Enhanced RTMP frames (FourCC vp09 / av01): a sequence start whenever the
 * configuration record changes, coded frames from the first keyframe on and again from the next
 * keyframe after loss (frames in between would not decode). No composition time: neither codec
 * reorders.
 */
class ExVideoTrack implements RtcVideoTrack {
  readonly kind = 'video';
  readonly clockRate = 90000;
  private record: Buffer | undefined;
  private needKeyframe = true;
  private lastMs = 0;
  private broken = 0;

  constructor(
    private readonly fourcc: string,
    private readonly coded: CodedFrames,
  ) {}

  get malformed(): number {
    return this.coded.malformed + this.broken;
  }

  frames(packet: RtpPacket, gap: boolean, toMs: (rtpTime: number) => number): MediaFrame[] {
    const out: MediaFrame[] = [];
    let frames;
    try {
      frames = this.coded.push(packet, gap);
    } catch (error) {
      // A keyframe whose header does not parse: it and what follows wait for the next one.
      if (!(error instanceof ProtocolError)) throw error;
      this.broken++;
      this.needKeyframe = true;
      return out;
    }
    for (const frame of frames) {
      if (frame.lost) this.needKeyframe = true;
      const timestamp = Math.max(this.lastMs, toMs(frame.timestamp));
      this.lastMs = timestamp;
      if (frame.record && !frame.record.equals(this.record ?? Buffer.alloc(0))) {
        this.record = frame.record;
        out.push(this.frame(timestamp, 0, frame.record, false, true));
      }
      if (!this.record || (this.needKeyframe && !frame.keyframe)) continue;
      this.needKeyframe = false;
      out.push(this.frame(timestamp, 1, frame.data, frame.keyframe, false));
    }
    return out;
  }

  private frame(timestamp: number, packetType: 0 | 1, payload: Buffer, keyframe: boolean, sequenceHeader: boolean): MediaFrame {
    const frameType = keyframe || sequenceHeader ? 1 : 2;
    const header = Buffer.concat([Buffer.from([0x80 | (frameType << 4) | packetType]), Buffer.from(this.fourcc, 'latin1')]);
    return { kind: 'video', timestamp, body: Buffer.concat([header, payload]), keyframe, sequenceHeader };
  }
}

/** VP9 (RFC 9628): a keyframe's header gives the record (profile, bit depth, chroma, size). */
class Vp9Frames implements CodedFrames {
  private readonly depacketizer = new Vp9Depacketizer();

  get malformed(): number {
    return this.depacketizer.malformed;
  }

  push(packet: RtpPacket, gap: boolean): ReturnType<CodedFrames['push']> {
    // Loss drops the frame it hits, so it always comes before the frames this packet completes.
    const frames = this.depacketizer.push(packet, gap);
    const lost = this.depacketizer.lost();
    return frames.map((frame) => {
      const info = frame.keyframe ? readVp9Keyframe(frame.data) : undefined;
      return { ...frame, keyframe: info !== undefined, lost, ...(info ? { record: vp9ConfigRecord(info) } : {}) };
    });
  }
}

/**
 * AV1 (AOM RTP payload format): a temporal unit with N set or a sequence header is a keyframe,
 * the sequence header gives the record, and the OBUs go to the hub with size fields (the low
 * overhead format MP4 and FLV carry).
 */
class Av1Frames implements CodedFrames {
  private readonly depacketizer = new Av1Depacketizer();
  private lostBefore = false;

  get malformed(): number {
    return this.depacketizer.malformed;
  }

  push(packet: RtpPacket, gap: boolean): ReturnType<CodedFrames['push']> {
    // A unit is handed over before the packet that starts the next is read: loss it reveals comes after.
    const units = this.depacketizer.push(packet, gap);
    const lost = this.lostBefore;
    this.lostBefore = this.depacketizer.lost();
    return units.map((unit) => {
      const header = unit.obus.find((obu) => obu.type === ObuType.SequenceHeader);
      const data = Buffer.concat(unit.obus.filter(carriedOverRtp).map(sizedObu));
      return { data, timestamp: unit.timestamp, keyframe: unit.newSequence || header !== undefined, lost, ...(header ? { record: av1ConfigRecord(header) } : {}) };
    });
  }
}
