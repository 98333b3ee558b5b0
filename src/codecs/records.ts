import { ByteWriter } from '../util/bytes.js';
import { ProtocolError } from '../util/errors.js';
import { parseAvcSps } from './avc.js';
import { unescapeRbsp } from './bitreader.js';
import { parseHevcSps } from './hevc.js';

/**
 * Decoder configuration records built from in-band parameter sets (ISO/IEC 14496-15), for
 * streams that carry them in the bitstream (MPEG-TS, RTP) instead of a record. Frames built
 * with them use 4-byte NAL unit lengths.
 */

const NAL_LENGTH_SIZE_MINUS_ONE = 3;
const MAX_SETS = 31;
/** Profiles whose record carries the chroma format and bit depths (14496-15 5.3.3.1.2). */
const HIGH_PROFILES = new Set([100, 110, 122, 144]); // AVC's numOfSequenceParameterSets has 5 bits

/** An AVCDecoderConfigurationRecord (5.3.3.1) for these SPS and PPS NAL units. */
export function avcDecoderConfigurationRecord(sps: readonly Buffer[], pps: readonly Buffer[]): Buffer {
  const first = sps[0];
  if (!first || pps.length === 0) throw new ProtocolError('an H.264 record needs an SPS and a PPS');
  if (sps.length > MAX_SETS || pps.length > 255) throw new ProtocolError('too many H.264 parameter sets');
  const info = parseAvcSps(first); // also refuses what is no SPS before players see it
  const w = new ByteWriter();
  w.u8(1).u8(first[1]!).u8(first[2]!).u8(first[3]!); // version, profile, compatibility, level
  w.u8(0xfc | NAL_LENGTH_SIZE_MINUS_ONE).u8(0xe0 | sps.length);
  for (const set of sps) w.u16(set.length).bytes(set);
  w.u8(pps.length);
  for (const set of pps) w.u16(set.length).bytes(set);
  if (HIGH_PROFILES.has(first[1]!)) {
    // High profiles add chroma format and bit depths (no SPS extensions), as ffmpeg writes them.
    w.u8(0xfc | info.chromaFormatIdc).u8(0xf8 | info.bitDepthLumaMinus8).u8(0xf8 | info.bitDepthChromaMinus8).u8(0);
  }
  return w.finish();
}

const HEVC_VPS = 32;
const HEVC_SPS = 33;
const HEVC_PPS = 34;
const PTL_BYTES = 12; // general profile, tier, compatibility and constraint flags, level

/** An HEVCDecoderConfigurationRecord (8.3.3.1) for these VPS, SPS and PPS NAL units. */
export function hevcDecoderConfigurationRecord(vps: readonly Buffer[], sps: readonly Buffer[], pps: readonly Buffer[]): Buffer {
  const first = sps[0];
  if (!first || vps.length === 0 || pps.length === 0) throw new ProtocolError('an H.265 record needs a VPS, an SPS and a PPS');
  const info = parseHevcSps(first);
  // The SPS's profile_tier_level starts byte-aligned after the 2-byte NAL header and one byte.
  const ptl = unescapeRbsp(first.subarray(2)).subarray(1, 1 + PTL_BYTES);
  const w = new ByteWriter();
  w.u8(1).bytes(ptl);
  w.u16(0xf000); // min_spatial_segmentation_idc 0
  w.u8(0xfc); // parallelismType 0: unknown
  w.u8(0xfc | info.chromaFormatIdc);
  w.u8(0xf8 | info.bitDepthLumaMinus8).u8(0xf8 | info.bitDepthChromaMinus8);
  w.u16(0); // avgFrameRate unknown
  w.u8((((info.maxSubLayersMinus1 + 1) & 0x07) << 3) | (info.temporalIdNesting ? 0x04 : 0) | NAL_LENGTH_SIZE_MINUS_ONE);
  w.u8(3);
  for (const [type, sets] of [[HEVC_VPS, vps], [HEVC_SPS, sps], [HEVC_PPS, pps]] as const) {
    if (sets.length > 0xffff) throw new ProtocolError('too many H.265 parameter sets');
    w.u8(type).u16(sets.length); // array_completeness 0, as ffmpeg writes it
    for (const set of sets) w.u16(set.length).bytes(set);
  }
  return w.finish();
}
