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

/** OBU types (AV1 spec 6.2.2) that matter here. */
export const ObuType = { SequenceHeader: 1, TemporalDelimiter: 2, FrameHeader: 3, Frame: 6, TileList: 8, Padding: 15 } as const;

/** One OBU: its type, its header (1 or 2 bytes, obu_has_size_field as it came) and its payload. */
export interface Obu {
  type: number;
  header: Buffer;
  payload: Buffer;
}

/** Reads one OBU at the start of `data`: a size field when it has one, else the rest. */
export function readObu(data: Buffer): { obu: Obu; length: number } {
  const r = new ByteReader(data);
  const first = r.u8();
  if (first & 0x80) throw new ProtocolError('AV1 OBU forbidden bit set');
  const headerBytes = first & 0x04 ? 2 : 1;
  if (headerBytes === 2) r.u8();
  const size = first & 0x02 ? readLeb128(r) : r.remaining;
  const payload = r.bytes(size);
  return { obu: { type: (first >> 3) & 0x0f, header: data.subarray(0, headerBytes), payload }, length: r.offset };
}

/** Splits a low overhead bitstream (AV1 spec 5.2: OBUs with size fields, as MP4 and FLV carry it). */
export function splitObus(data: Buffer, maxObus = 4096): Obu[] {
  const obus: Obu[] = [];
  for (let at = 0; at < data.length; ) {
    if (obus.length >= maxObus) throw new ProtocolError('too many AV1 OBUs');
    const { obu, length } = readObu(data.subarray(at));
    obus.push(obu);
    at += length;
  }
  return obus;
}

/** The OBU with obu_has_size_field set and its size: the low overhead form. */
export function sizedObu(obu: Obu): Buffer {
  const header = Buffer.from(obu.header);
  header[0]! |= 0x02;
  return Buffer.concat([header, leb128(obu.payload.length), obu.payload]);
}

/** The OBU without a size field, as RTP carries it (it runs to the end of its element). */
export function unsizedObu(obu: Obu): Buffer {
  const header = Buffer.from(obu.header);
  header[0]! &= ~0x02;
  return Buffer.concat([header, obu.payload]);
}

export function leb128(value: number): Buffer {
  const bytes: number[] = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    bytes.push(byte);
  } while (value > 0);
  return Buffer.from(bytes);
}

/** What an AV1CodecConfigurationRecord repeats of a sequence header (AV1 spec 5.5). */
export interface Av1SequenceInfo {
  profile: number;
  level: number;
  tier: number;
  highBitdepth: boolean;
  twelveBit: boolean;
  monochrome: boolean;
  subsamplingX: boolean;
  subsamplingY: boolean;
  chromaSamplePosition: number;
  width: number;
  height: number;
}

/** An AV1CodecConfigurationRecord (AV1-ISOBMFF 2.3.3) with the sequence header OBU as its configOBUs. */
export function av1ConfigRecord(sequenceHeader: Obu): Buffer {
  const s = parseAv1SequenceHeader(sequenceHeader.payload);
  const bits = (s.tier << 7) | (+s.highBitdepth << 6) | (+s.twelveBit << 5) | (+s.monochrome << 4) | (+s.subsamplingX << 3) | (+s.subsamplingY << 2) | s.chromaSamplePosition;
  return Buffer.concat([Buffer.from([0x81, (s.profile << 5) | s.level, bits, 0]), sizedObu(sequenceHeader)]);
}

/** Walks a sequence_header_obu() payload (AV1 spec 5.5) to its colour config. */
export function parseAv1SequenceHeader(payload: Uint8Array): Av1SequenceInfo {
  const b = new BitReader(payload);
  const profile = b.bits(3);
  b.skip(1); // still_picture
  const reduced = b.flag();
  let level = 0;
  let tier = 0;
  if (reduced) {
    level = b.bits(5);
  } else {
    let bufferDelayLength = 0;
    let decoderModelInfo = false;
    if (b.flag()) {
      b.skip(64); // timing_info: num_units_in_display_tick, time_scale
      if (b.flag()) readUvlc(b);
      decoderModelInfo = b.flag();
      if (decoderModelInfo) {
        bufferDelayLength = b.bits(5) + 1;
        b.skip(32 + 5 + 5);
      }
    }
    const initialDisplayDelay = b.flag();
    const operatingPoints = b.bits(5) + 1;
    for (let i = 0; i < operatingPoints; i++) {
      b.skip(12); // operating_point_idc
      const seqLevel = b.bits(5);
      const seqTier = seqLevel > 7 ? b.bit() : 0;
      if (i === 0) [level, tier] = [seqLevel, seqTier];
      if (decoderModelInfo && b.flag()) b.skip(2 * bufferDelayLength + 1);
      if (initialDisplayDelay && b.flag()) b.skip(4);
    }
  }
  const widthBits = b.bits(4) + 1;
  const heightBits = b.bits(4) + 1;
  const width = b.bits(widthBits) + 1;
  const height = b.bits(heightBits) + 1;
  if (!reduced && b.flag()) b.skip(4 + 3); // frame_id_numbers_present: the two id lengths
  b.skip(3); // use_128x128_superblock, enable_filter_intra, enable_intra_edge_filter
  if (!reduced) {
    b.skip(4); // interintra, masked compound, warped motion, dual filter
    const orderHint = b.flag();
    if (orderHint) b.skip(2); // jnt_comp, ref_frame_mvs
    const forceScreenContentTools = b.flag() ? 2 : b.bit();
    if (forceScreenContentTools > 0 && !b.flag()) b.skip(1); // seq_choose_integer_mv, seq_force_integer_mv
    if (orderHint) b.skip(3);
  }
  b.skip(3); // enable_superres, enable_cdef, enable_restoration
  return { profile, level, tier, width, height, ...readColorConfig(b, profile) };
}

// color_config(), AV1 spec 5.5.2.
function readColorConfig(b: BitReader, profile: number): Pick<Av1SequenceInfo, 'highBitdepth' | 'twelveBit' | 'monochrome' | 'subsamplingX' | 'subsamplingY' | 'chromaSamplePosition'> {
  const highBitdepth = b.flag();
  const twelveBit = profile === 2 && highBitdepth && b.flag();
  const monochrome = profile !== 1 && b.flag();
  let srgb = false;
  if (b.flag()) {
    const [primaries, transfer, matrix] = [b.bits(8), b.bits(8), b.bits(8)];
    srgb = primaries === 1 && transfer === 13 && matrix === 0;
  }
  const base = { highBitdepth, twelveBit, monochrome };
  if (monochrome) return { ...base, subsamplingX: true, subsamplingY: true, chromaSamplePosition: 0 };
  if (srgb) return { ...base, subsamplingX: false, subsamplingY: false, chromaSamplePosition: 0 };
  b.skip(1); // color_range
  let subsamplingX = profile === 0;
  let subsamplingY = profile === 0;
  if (profile === 2) {
    subsamplingX = twelveBit ? b.flag() : true;
    subsamplingY = twelveBit && subsamplingX ? b.flag() : false;
  }
  const chromaSamplePosition = subsamplingX && subsamplingY ? b.bits(2) : 0;
  return { ...base, subsamplingX, subsamplingY, chromaSamplePosition };
}
