import type { VideoTrackInfo } from '../media/frame.js';
import { ByteReader } from '../util/bytes.js';
import { ProtocolError } from '../util/errors.js';
import { formatLevel } from './avc.js';
import { BitReader, unescapeRbsp } from './bitreader.js';

/** H.265 profile, level and cropped picture size from an SPS (ITU-T H.265 7.3.2.2). */
export interface HevcSps {
  profileIdc: number;
  levelIdc: number;
  width: number;
  height: number;
  /** What an HEVCDecoderConfigurationRecord repeats from the SPS. */
  maxSubLayersMinus1: number;
  temporalIdNesting: boolean;
  chromaFormatIdc: number;
  bitDepthLumaMinus8: number;
  bitDepthChromaMinus8: number;
}

const NAL_SPS = 33;

const PROFILE_NAMES: Record<number, string> = {
  1: 'Main',
  2: 'Main 10',
  3: 'Main Still Picture',
  4: 'Rext',
  5: 'High Throughput',
  9: 'Screen Content',
};

/** Parses an HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 8.3.3.1) into track info. */
export function parseHevcConfig(record: Buffer): VideoTrackInfo {
  const sps = parseHevcSps(findSps(record));
  return {
    codec: 'HEVC',
    profile: PROFILE_NAMES[sps.profileIdc] ?? `profile ${sps.profileIdc}`,
    level: formatLevel(sps.levelIdc / 30),
    width: sps.width,
    height: sps.height,
  };
}

function findSps(record: Buffer): Buffer {
  const r = new ByteReader(record);
  if (r.u8() !== 1) throw new ProtocolError('unsupported HEVCDecoderConfigurationRecord version');
  r.skip(21); // profile/tier/level copy, chroma, bit depths, frame rate, lengthSizeMinusOne
  const arrays = r.u8();
  for (let i = 0; i < arrays; i++) {
    const nalType = r.u8() & 0x3f;
    const count = r.u16();
    for (let j = 0; j < count; j++) {
      const nal = r.bytes(r.u16());
      if (nalType === NAL_SPS) return nal;
    }
  }
  throw new ProtocolError('HEVCDecoderConfigurationRecord has no SPS');
}

/** Parses an H.265 SPS NAL unit (with its two-byte NAL header). */
export function parseHevcSps(nal: Uint8Array): HevcSps {
  if (nal.length < 3 || ((nal[0]! >> 1) & 0x3f) !== NAL_SPS) throw new ProtocolError('not an H.265 SPS');
  const b = new BitReader(unescapeRbsp(nal.subarray(2)));
  b.skip(4); // sps_video_parameter_set_id
  const maxSubLayersMinus1 = b.bits(3);
  const temporalIdNesting = b.flag();
  const { profileIdc, levelIdc } = readProfileTierLevel(b, maxSubLayersMinus1);
  b.ue(); // sps_seq_parameter_set_id
  const chromaFormatIdc = b.ue();
  if (chromaFormatIdc > 3) throw new ProtocolError(`bad chroma_format_idc ${chromaFormatIdc}`);
  const separateColourPlane = chromaFormatIdc === 3 && b.flag();
  let width = b.ue();
  let height = b.ue();
  if (b.flag()) {
    // Conformance window offsets count chroma samples: Table 6-1, eq. 7-1/7-2 (SubWidthC, SubHeightC).
    const chroma = separateColourPlane ? 0 : chromaFormatIdc;
    const unitX = chroma === 1 || chroma === 2 ? 2 : 1;
    const unitY = chroma === 1 ? 2 : 1;
    const left = b.ue();
    const right = b.ue();
    const top = b.ue();
    const bottom = b.ue();
    width -= unitX * (left + right);
    height -= unitY * (top + bottom);
  }
  if (width <= 0 || height <= 0) throw new ProtocolError('H.265 SPS has an empty picture');
  const bitDepthLumaMinus8 = b.ue();
  const bitDepthChromaMinus8 = b.ue();
  return { profileIdc, levelIdc, width, height, maxSubLayersMinus1, temporalIdNesting, chromaFormatIdc, bitDepthLumaMinus8, bitDepthChromaMinus8 };
}

// profile_tier_level(1, maxNumSubLayersMinus1), 7.3.3: only the general profile and level matter.
function readProfileTierLevel(
  b: BitReader,
  maxSubLayersMinus1: number,
): { profileIdc: number; levelIdc: number } {
  b.skip(3); // general_profile_space, general_tier_flag
  const profileIdc = b.bits(5);
  b.skip(32 + 48); // compatibility flags, progressive/interlaced/constraint flags
  const levelIdc = b.bits(8);
  const profilePresent: boolean[] = [];
  const levelPresent: boolean[] = [];
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    profilePresent.push(b.flag());
    levelPresent.push(b.flag());
  }
  if (maxSubLayersMinus1 > 0) b.skip(2 * (8 - maxSubLayersMinus1)); // reserved_zero_2bits
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    if (profilePresent[i]) b.skip(88);
    if (levelPresent[i]) b.skip(8);
  }
  return { profileIdc, levelIdc };
}
