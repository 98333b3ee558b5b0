import type { VideoTrackInfo } from '../media/frame.js';
import { ByteReader } from '../util/bytes.js';
import { ProtocolError } from '../util/errors.js';
import { BitReader } from './bitreader.js';

const PROFILE_NAMES = ['Main', 'High', 'Professional'];
const OBU_SEQUENCE_HEADER = 1;

/**
 * Parses an AV1CodecConfigurationRecord (AV1-ISOBMFF 2.3.3): profile and level from its fixed
 * part, picture size from the sequence header OBU in configOBUs when there is one.
 */
export function parseAv1Config(record: Buffer): VideoTrackInfo {
  const r = new ByteReader(record);
  if (r.u8() !== 0x81) throw new ProtocolError('unsupported AV1CodecConfigurationRecord marker/version');
  const profileLevel = r.u8();
  r.skip(2); // tier, bit depth, chroma, presentation delay
  const profile = profileLevel >> 5;
  const info: VideoTrackInfo = {
    codec: 'AV1',
    profile: PROFILE_NAMES[profile] ?? `profile ${profile}`,
    level: av1LevelName(profileLevel & 0x1f),
  };
  const size = findSequenceHeaderSize(r);
  if (size) Object.assign(info, size);
  return info;
}

// seq_level_idx 0..23 maps to levels 2.0..7.3; 31 means "no level constraint".
function av1LevelName(seqLevelIdx: number): string {
  if (seqLevelIdx === 31) return 'max';
  return `${2 + (seqLevelIdx >> 2)}.${seqLevelIdx & 3}`;
}

function findSequenceHeaderSize(r: ByteReader): { width: number; height: number } | undefined {
  while (r.remaining > 0) {
    const header = r.u8();
    const type = (header >> 3) & 0x0f;
    if (header & 0x04) r.skip(1); // obu_extension_header
    // configOBUs must carry obu_size; without it the OBU runs to the end of the record.
    const size = header & 0x02 ? readLeb128(r) : r.remaining;
    const payload = r.bytes(size);
    if (type === OBU_SEQUENCE_HEADER) return readSequenceHeaderSize(new BitReader(payload));
  }
  return undefined;
}

function readLeb128(r: ByteReader): number {
  let value = 0;
  for (let i = 0; i < 8; i++) {
    const byte = r.u8();
    value += (byte & 0x7f) * 2 ** (7 * i);
    if (!(byte & 0x80)) return value;
  }
  throw new ProtocolError('leb128 longer than 8 bytes');
}

// sequence_header_obu(), AV1 spec 5.5: walk to max_frame_width/height_minus_1.
function readSequenceHeaderSize(b: BitReader): { width: number; height: number } {
  b.skip(4); // seq_profile, still_picture
  if (b.flag()) {
    b.skip(5); // reduced_still_picture_header: just seq_level_idx[0]
  } else {
    let bufferDelayLength = 0;
    let decoderModelInfo = false;
    if (b.flag()) {
      // timing_info()
      b.skip(64); // num_units_in_display_tick, time_scale
      if (b.flag()) readUvlc(b); // equal_picture_interval: num_ticks_per_picture_minus_1
      decoderModelInfo = b.flag();
      if (decoderModelInfo) {
        bufferDelayLength = b.bits(5) + 1;
        b.skip(32 + 5 + 5); // num_units_in_decoding_tick, removal/presentation time lengths
      }
    }
    const initialDisplayDelay = b.flag();
    const operatingPoints = b.bits(5) + 1;
    for (let i = 0; i < operatingPoints; i++) {
      b.skip(12); // operating_point_idc
      if (b.bits(5) > 7) b.skip(1); // seq_level_idx, seq_tier
      if (decoderModelInfo && b.flag()) b.skip(2 * bufferDelayLength + 1); // operating_parameters_info
      if (initialDisplayDelay && b.flag()) b.skip(4); // initial_display_delay_minus_1
    }
  }
  const widthBits = b.bits(4) + 1;
  const heightBits = b.bits(4) + 1;
  return { width: b.bits(widthBits) + 1, height: b.bits(heightBits) + 1 };
}

function readUvlc(b: BitReader): void {
  let zeros = 0;
  while (!b.flag()) zeros++;
  if (zeros < 32) b.skip(zeros); // 32+ leading zeros mean 2^32 - 1 with no value bits
}
