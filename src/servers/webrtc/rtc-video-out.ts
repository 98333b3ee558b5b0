import { readHevcNalConfig, splitAvcc, type NalConfig } from '../../codecs/annexb.js';
import { ObuType, splitObus, type Obu } from '../../codecs/av1.js';
import { PacketType, readVideoTagHeader, type TagHeader } from '../../codecs/inspect.js';
import { readVp9Keyframe } from '../../codecs/vp9.js';
import type { MediaFrame } from '../../media/frame.js';
import { packetizeAv1 } from '../../protocols/rtp/av1.js';
import { h264Payload } from '../../protocols/rtp/h264.js';
import { h265Payload } from '../../protocols/rtp/h265.js';
import { packetizeNalus, type RtpPayload } from '../../protocols/rtp/nal-units.js';
import { packetizeVp9 } from '../../protocols/rtp/vp9.js';
import { ProtocolError } from '../../util/errors.js';
import { H264Frames, type H264Options } from './h264-frames.js';
import { hubCodecName, type RtcVideoCodec } from './rtc-codecs.js';

/** One picture of the stream as RTP payloads, with its presentation time. */
export interface RtpPicture {
  payloads: RtpPayload[];
  presentationMs: number;
  keyframe: boolean;
  /** B-slices were left out of it (H.264). */
  droppedB: boolean;
}

/** A stream's video frames as one codec's RTP payloads; undefined for what carries no picture. */
export interface RtpPictures {
  picture(frame: MediaFrame): RtpPicture | undefined;
}

/**
 * The packetizer for a negotiated codec. Frames of another codec (a publisher that came after
 * the player was answered) give nothing; `onOtherCodec` hears of the first.
 */
export function rtpPictures(codec: RtcVideoCodec, options: H264Options, maxPayload: number, onOtherCodec: (codec: string) => void): RtpPictures {
  const pictures = codec === 'H264' ? h264Pictures(options, maxPayload) : codec === 'H265' ? new HevcPictures(maxPayload) : codec === 'VP9' ? new Vp9Pictures(maxPayload) : new Av1Pictures(maxPayload);
  const expected = hubCodecName(codec);
  let told = false;
  return {
    picture(frame) {
      const tag = readVideoTagHeader(frame.body);
      if (tag.codec === expected) return pictures.picture(frame, tag);
      if (!told && tag.codec !== 'unknown') {
        told = true;
        onOtherCodec(tag.codec);
      }
      return undefined;
    },
  };
}

interface CodecPictures {
  picture(frame: MediaFrame, tag: TagHeader): RtpPicture | undefined;
}

const coded = (tag: TagHeader): boolean => tag.packetType === PacketType.CodedFrames || tag.packetType === PacketType.CodedFramesX;

function h264Pictures(options: H264Options, maxPayload: number): CodecPictures {
  const frames = new H264Frames(options);
  return {
    picture(frame) {
      const picture = frames.picture(frame);
      return picture && { payloads: packetizeNalus(h264Payload, picture.nalus, maxPayload), presentationMs: picture.presentationMs, keyframe: picture.keyframe, droppedB: picture.droppedB };
    },
  };
}

/** H.265 (RFC 7798): the record's VPS, SPS and PPS in front of every keyframe, delimiters left out. */
class HevcPictures implements CodecPictures {
  private config: NalConfig | undefined;

  constructor(private readonly maxPayload: number) {}

  picture(frame: MediaFrame, tag: TagHeader): RtpPicture | undefined {
    const payload = frame.body.subarray(tag.payloadOffset);
    if (tag.sequenceHeader) {
      this.config = readHevcNalConfig(payload);
      return undefined;
    }
    if (!this.config || !coded(tag)) return undefined;
    const cts = tag.packetType === PacketType.CodedFrames ? frame.body.readIntBE(tag.payloadOffset - 3, 3) : 0;
    const nalus = splitAvcc(payload, this.config.lengthSize).filter((nal) => {
      const type = (nal[0]! >> 1) & 0x3f;
      return type < 32 || type > 35; // not VPS, SPS, PPS or an access unit delimiter
    });
    if (frame.keyframe) nalus.unshift(...this.config.parameterSets);
    return { payloads: packetizeNalus(h265Payload, nalus, this.maxPayload), presentationMs: frame.timestamp + cts, keyframe: frame.keyframe, droppedB: false };
  }
}

/** VP9 (RFC 9628): the frame as it is, a picture ID per frame, the picture size on keyframes. */
class Vp9Pictures implements CodecPictures {
  private pictureId = Math.floor(Math.random() * 0x8000);

  constructor(private readonly maxPayload: number) {}

  picture(frame: MediaFrame, tag: TagHeader): RtpPicture | undefined {
    if (!coded(tag)) return undefined;
    const data = frame.body.subarray(tag.payloadOffset);
    if (data.length === 0) return undefined;
    const size = frame.keyframe ? readVp9Keyframe(data) : undefined;
    this.pictureId = (this.pictureId + 1) & 0x7fff;
    const payloads = packetizeVp9(data, { keyframe: frame.keyframe, pictureId: this.pictureId, width: size?.width, height: size?.height }, this.maxPayload);
    return { payloads, presentationMs: frame.timestamp, keyframe: frame.keyframe, droppedB: false };
  }
}

/** AV1 (AOM RTP spec): the temporal unit's OBUs, the record's sequence header in front of a keyframe without one. */
class Av1Pictures implements CodecPictures {
  private sequenceHeader: Obu | undefined;

  constructor(private readonly maxPayload: number) {}

  picture(frame: MediaFrame, tag: TagHeader): RtpPicture | undefined {
    const payload = frame.body.subarray(tag.payloadOffset);
    if (tag.sequenceHeader) {
      // AV1CodecConfigurationRecord: four fixed bytes, then configOBUs.
      if (payload.length < 4) throw new ProtocolError('AV1 configuration record too short');
      this.sequenceHeader = splitObus(payload.subarray(4)).find((obu) => obu.type === ObuType.SequenceHeader);
      return undefined;
    }
    if (!coded(tag)) return undefined;
    const obus = splitObus(payload);
    if (frame.keyframe && this.sequenceHeader && !obus.some((obu) => obu.type === ObuType.SequenceHeader)) obus.unshift(this.sequenceHeader);
    if (obus.length === 0) return undefined;
    return { payloads: packetizeAv1(obus, frame.keyframe, this.maxPayload), presentationMs: frame.timestamp, keyframe: frame.keyframe, droppedB: false };
  }
}
