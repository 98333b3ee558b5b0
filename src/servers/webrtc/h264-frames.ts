import { readAvcNalConfig, splitAvcc, type NalConfig } from '../../codecs/annexb.js';
import { BitReader } from '../../codecs/bitreader.js';
import { PacketType, readVideoTagHeader } from '../../codecs/inspect.js';
import type { MediaFrame } from '../../media/frame.js';

const NAL_SLICE = 1;
const NAL_SEI = 6;
const NAL_SPS = 7;
const NAL_PPS = 8;
const NAL_AUD = 9;

/** What the WebRTC output does with a stream's H.264. */
export interface H264Options {
  /** Send B-slices (browsers decode WebRTC H.264 in decode order without reordering: they stutter). */
  keepBframes: boolean;
  keepSei: boolean;
}

/** One picture ready for RTP: its NAL units and presentation time. */
export interface H264Picture {
  nalus: Buffer[];
  presentationMs: number;
  keyframe: boolean;
  /** B-slices were left out of it. */
  droppedB: boolean;
}

/**
 * Hub H.264 frames (AVCC in FLV tag bodies) to the NAL units a WebRTC player gets: access unit
 * delimiters left out, SEI kept or not, SPS/PPS in front of every keyframe (a player joining
 * there needs nothing else), and B-slices dropped unless kept (what SRS's keep_bframe does).
 */
export class H264Frames {
  private config: NalConfig | undefined;

  constructor(private readonly options: H264Options) {}

  /** Undefined for sequence headers and what carries no picture. */
  picture(frame: MediaFrame): H264Picture | undefined {
    const tag = readVideoTagHeader(frame.body);
    if (tag.codec !== 'H264') return undefined;
    const payload = frame.body.subarray(tag.payloadOffset);
    if (tag.sequenceHeader) {
      this.config = readAvcNalConfig(payload);
      return undefined;
    }
    if (!this.config || (tag.packetType !== PacketType.CodedFrames && tag.packetType !== PacketType.CodedFramesX)) return undefined;
    const cts = tag.packetType === PacketType.CodedFrames ? frame.body.readIntBE(tag.payloadOffset - 3, 3) : 0;
    let droppedB = false;
    const nalus = splitAvcc(payload, this.config.lengthSize).filter((nal) => {
      const type = nal[0]! & 0x1f;
      if (type === NAL_AUD || type === NAL_SPS || type === NAL_PPS) return false;
      if (type === NAL_SEI) return this.options.keepSei;
      if (type === NAL_SLICE && !this.options.keepBframes && isBSlice(nal)) {
        droppedB = true;
        return false;
      }
      return true;
    });
    if (frame.keyframe) nalus.unshift(...this.config.parameterSets);
    return { nalus, presentationMs: frame.timestamp + cts, keyframe: frame.keyframe, droppedB };
  }
}

/** slice_type 1 or 6 (B) in a slice header (H.264 7.3.3): first_mb_in_slice, then slice_type. */
export function isBSlice(nal: Buffer): boolean {
  try {
    const reader = new BitReader(nal.subarray(1, Math.min(nal.length, 16)));
    reader.ue();
    return reader.ue() % 5 === 1;
  } catch {
    return false;
  }
}
