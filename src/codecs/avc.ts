import type { VideoTrackInfo } from '../media/frame.js';
import { ByteReader } from '../util/bytes.js';
import { ProtocolError } from '../util/errors.js';
import { BitReader, unescapeRbsp } from './bitreader.js';

/** H.264 picture size and profile from the first SPS (ITU-T H.264 7.3.2.1.1). */
export interface AvcSps {
  profileIdc: number;
  constraintFlags: number;
  levelIdc: number;
  width: number;
  height: number;
  chromaFormatIdc: number;
  bitDepthLumaMinus8: number;
  bitDepthChromaMinus8: number;
}

const PROFILE_NAMES: Record<number, string> = {
  66: 'Baseline',
  77: 'Main',
  88: 'Extended',
  100: 'High',
  110: 'High 10',
  122: 'High 4:2:2',
  244: 'High 4:4:4 Predictive',
  44: 'CAVLC 4:4:4 Intra',
};

// Profiles whose SPS carries chroma format, bit depths and scaling matrices.
const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

/** Parses an AVCDecoderConfigurationRecord (ISO/IEC 14496-15 5.3.3.1) into track info. */
export function parseAvcConfig(record: Buffer): VideoTrackInfo {
  const r = new ByteReader(record);
  if (r.u8() !== 1) throw new ProtocolError('unsupported AVCDecoderConfigurationRecord version');
  r.skip(4); // profile, compatibility, level (the SPS says the same), lengthSizeMinusOne
  const spsCount = r.u8() & 0x1f;
  if (spsCount === 0) throw new ProtocolError('AVCDecoderConfigurationRecord has no SPS');
  const sps = parseAvcSps(r.bytes(r.u16()));
  return {
    codec: 'H264',
    profile: avcProfileName(sps),
    level: avcLevelName(sps),
    width: sps.width,
    height: sps.height,
  };
}

function avcProfileName(sps: AvcSps): string {
  const constrained = sps.profileIdc === 66 && (sps.constraintFlags & 0x40) !== 0;
  if (constrained) return 'Constrained Baseline';
  return PROFILE_NAMES[sps.profileIdc] ?? `profile ${sps.profileIdc}`;
}

function avcLevelName(sps: AvcSps): string {
  // Level 1b is coded as 11 + constraint_set3 in Baseline/Main/Extended, as 9 elsewhere.
  const level1b =
    sps.levelIdc === 9 ||
    (sps.levelIdc === 11 && (sps.constraintFlags & 0x10) !== 0 && [66, 77, 88].includes(sps.profileIdc));
  if (level1b) return '1b';
  return formatLevel(sps.levelIdc / 10);
}

/** Parses an H.264 SPS NAL unit (with its one-byte NAL header). */
export function parseAvcSps(nal: Uint8Array): AvcSps {
  if (nal.length < 4 || (nal[0]! & 0x1f) !== 7) throw new ProtocolError('not an H.264 SPS');
  const b = new BitReader(unescapeRbsp(nal.subarray(1)));
  const profileIdc = b.bits(8);
  const constraintFlags = b.bits(8);
  const levelIdc = b.bits(8);
  b.ue(); // seq_parameter_set_id

  let chromaFormatIdc = 1;
  let separateColourPlane = false;
  let bitDepthLumaMinus8 = 0;
  let bitDepthChromaMinus8 = 0;
  if (HIGH_PROFILES.has(profileIdc)) {
    chromaFormatIdc = b.ue();
    if (chromaFormatIdc > 3) throw new ProtocolError(`bad chroma_format_idc ${chromaFormatIdc}`);
    if (chromaFormatIdc === 3) separateColourPlane = b.flag();
    bitDepthLumaMinus8 = b.ue();
    bitDepthChromaMinus8 = b.ue();
    b.skip(1); // qpprime_y_zero_transform_bypass_flag
    if (b.flag()) {
      const lists = chromaFormatIdc === 3 ? 12 : 8;
      for (let i = 0; i < lists; i++) {
        if (b.flag()) skipScalingList(b, i < 6 ? 16 : 64);
      }
    }
  }

  b.ue(); // log2_max_frame_num_minus4
  const picOrderCntType = b.ue();
  if (picOrderCntType === 0) {
    b.ue(); // log2_max_pic_order_cnt_lsb_minus4
  } else if (picOrderCntType === 1) {
    b.skip(1); // delta_pic_order_always_zero_flag
    b.se(); // offset_for_non_ref_pic
    b.se(); // offset_for_top_to_bottom_field
    const cycle = b.ue();
    if (cycle > 255) throw new ProtocolError('bad num_ref_frames_in_pic_order_cnt_cycle');
    for (let i = 0; i < cycle; i++) b.se();
  }
  b.ue(); // max_num_ref_frames
  b.skip(1); // gaps_in_frame_num_value_allowed_flag
  const widthMbs = b.ue() + 1;
  const heightMapUnits = b.ue() + 1;
  const frameMbsOnly = b.bit();
  if (!frameMbsOnly) b.skip(1); // mb_adaptive_frame_field_flag
  b.skip(1); // direct_8x8_inference_flag

  let width = widthMbs * 16;
  let height = (2 - frameMbsOnly) * heightMapUnits * 16;
  if (b.flag()) {
    // Crop offsets count chroma samples (or field lines), not luma pixels: Table 6-1, eq. 7-19..7-22.
    const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
    const cropUnitX = chromaArrayType === 1 || chromaArrayType === 2 ? 2 : 1;
    const cropUnitY = (chromaArrayType === 1 ? 2 : 1) * (2 - frameMbsOnly);
    const left = b.ue();
    const right = b.ue();
    const top = b.ue();
    const bottom = b.ue();
    width -= cropUnitX * (left + right);
    height -= cropUnitY * (top + bottom);
  }
  if (width <= 0 || height <= 0) throw new ProtocolError('H.264 SPS crops the picture away');
  return { profileIdc, constraintFlags, levelIdc, width, height, chromaFormatIdc, bitDepthLumaMinus8, bitDepthChromaMinus8 };
}

// Only the parse position matters, so the scale values are read and dropped (7.3.2.1.1.1).
function skipScalingList(b: BitReader, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size; j++) {
    if (next !== 0) next = (last + b.se() + 256) % 256;
    last = next === 0 ? last : next;
  }
}

/** '3.1' for 3.1, '4' for 4.0: the way encoders and players print levels. */
export function formatLevel(level: number): string {
  return String(Math.round(level * 10) / 10);
}
