import type { VideoTrackInfo } from '../media/frame.js';
import { ByteReader, ByteWriter } from '../util/bytes.js';
import { ProtocolError } from '../util/errors.js';
import { formatLevel } from './avc.js';
import { BitReader } from './bitreader.js';

/**
 * Parses a VPCodecConfigurationRecord (VP codec ISO media binding 2.3.3): profile and level.
 * VP9 keeps the picture size in each keyframe, not in this record.
 */
export function parseVp9Config(record: Buffer): VideoTrackInfo {
  // Some muxers send the whole 'vpcC' FullBox payload: version 1 and zero flags come first.
  // The bare record can't start that way, its third byte holds a bit depth of 8, 10 or 12.
  const fullBox = record.length >= 12 && record[0] === 1 && record.readUIntBE(1, 3) === 0;
  const r = new ByteReader(record, fullBox ? 4 : 0);
  const profile = r.u8();
  const level = r.u8();
  const info: VideoTrackInfo = { codec: 'VP9', profile: `Profile ${profile}` };
  if (level !== 0) info.level = formatLevel(level / 10); // 0 means unspecified
  return info;
}

/** What a VP9 keyframe's uncompressed header says of the stream (VP9 bitstream spec 6.2). */
export interface Vp9KeyframeInfo {
  profile: number;
  bitDepth: 8 | 10 | 12;
  subsamplingX: boolean;
  subsamplingY: boolean;
  fullRange: boolean;
  width: number;
  height: number;
}

const FRAME_MARKER = 2;
const SYNC_CODE = 0x498342;
const CS_RGB = 7;

/** The stream's parameters from a keyframe's header; undefined for a frame that is no keyframe. */
export function readVp9Keyframe(frame: Uint8Array): Vp9KeyframeInfo | undefined {
  const b = new BitReader(frame);
  if (b.bits(2) !== FRAME_MARKER) throw new ProtocolError('no VP9 frame marker');
  const low = b.bit();
  const profile = (b.bit() << 1) | low;
  if (profile === 3) b.skip(1);
  if (b.flag()) return undefined; // show_existing_frame
  if (b.bit() !== 0) return undefined; // frame_type: not KEY_FRAME
  b.skip(2); // show_frame, error_resilient_mode
  if (b.bits(24) !== SYNC_CODE) throw new ProtocolError('bad VP9 frame sync code');
  const bitDepth = profile >= 2 ? (b.flag() ? 12 : 10) : 8;
  let subsamplingX = true;
  let subsamplingY = true;
  let fullRange = true;
  const colorSpace = b.bits(3);
  if (colorSpace !== CS_RGB) {
    fullRange = b.flag();
    if (profile === 1 || profile === 3) {
      subsamplingX = b.flag();
      subsamplingY = b.flag();
      b.skip(1);
    }
  } else if (profile === 1 || profile === 3) {
    subsamplingX = subsamplingY = false;
    b.skip(1);
  } else {
    throw new ProtocolError('VP9 RGB needs profile 1 or 3');
  }
  const width = b.bits(16) + 1;
  const height = b.bits(16) + 1;
  return { profile, bitDepth, subsamplingX, subsamplingY, fullRange, width, height };
}

/** VP9 levels by the largest picture they allow (VP9 levels table), as level * 10. */
const LEVELS: Array<[number, number]> = [
  [36864, 10], [73728, 11], [122880, 20], [245760, 21], [552960, 30], [983040, 31],
  [2228224, 40], [8912896, 50], [35651584, 60],
];

/**
 * A 'vpcC' payload (FullBox version 1, then the VPCodecConfigurationRecord) for a keyframe's
 * parameters, as ffmpeg writes it into FLV and MP4; the level is the smallest that fits the picture.
 */
export function vp9ConfigRecord(info: Vp9KeyframeInfo): Buffer {
  const area = info.width * info.height;
  const level = LEVELS.find(([max]) => area <= max)?.[1] ?? 62;
  // chromaSubsampling: 1 = 4:2:0 colocated with luma, 2 = 4:2:2, 3 = 4:4:4.
  const chroma = info.subsamplingX ? (info.subsamplingY ? 1 : 2) : 3;
  const w = new ByteWriter(16);
  w.u32(0x01000000); // version 1, flags 0
  w.u8(info.profile).u8(level);
  w.u8((info.bitDepth << 4) | (chroma << 1) | (info.fullRange ? 1 : 0));
  w.u8(2).u8(2).u8(2); // colour primaries, transfer, matrix: unspecified
  w.u16(0); // codecInitializationDataSize
  return Buffer.from(w.finish());
}
