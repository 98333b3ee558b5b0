import { ByteReader } from '../util/bytes.js';
import { ProtocolError } from '../util/errors.js';

/**
 * AVCC (length-prefixed NAL units, as FLV and MP4 carry them) to Annex B (start-code delimited,
 * as MPEG-TS carries them). Functions return lists of views into the input, never copies, so a
 * muxer can write everything into its output buffer in one pass.
 */

export type NalCodec = 'H264' | 'HEVC';

/** The start code written before every NAL unit. */
export const START_CODE: Buffer = Buffer.from([0, 0, 0, 1]);
/** The 3-byte start code a 4-byte one ends with. */
const START_CODE_3: Buffer = Buffer.from([0, 0, 1]);

// Access unit delimiters: H.264 nal_unit_type 9 with primary_pic_type 7 (any slice type);
// H.265 nal_unit_type 35 with pic_type 2 (I, P or B slices). Both end with the RBSP stop bit.
const AVC_AUD: Buffer = Buffer.from([0x09, 0xf0]);
const HEVC_AUD: Buffer = Buffer.from([0x46, 0x01, 0x50]);

const AVC_NAL_AUD = 9;
const HEVC_NAL_AUD = 35;

/** Parameter sets from a decoder configuration record, and the NAL length size its frames use. */
export interface NalConfig {
  codec: NalCodec;
  lengthSize: number;
  /** SPS and PPS (H.264) or VPS, SPS and PPS (H.265), in the record's order. */
  parameterSets: Buffer[];
}

/** Reads an AVCDecoderConfigurationRecord (ISO/IEC 14496-15 5.3.3.1). */
export function readAvcNalConfig(record: Buffer): NalConfig {
  const r = new ByteReader(record);
  if (r.u8() !== 1) throw new ProtocolError('unsupported AVCDecoderConfigurationRecord version');
  r.skip(3); // profile, compatibility, level
  const lengthSize = (r.u8() & 0x03) + 1;
  const parameterSets: Buffer[] = [];
  const spsCount = r.u8() & 0x1f;
  for (let i = 0; i < spsCount; i++) parameterSets.push(r.bytes(r.u16()));
  const ppsCount = r.u8();
  for (let i = 0; i < ppsCount; i++) parameterSets.push(r.bytes(r.u16()));
  return { codec: 'H264', lengthSize, parameterSets };
}

/** Reads an HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 8.3.3.1). */
export function readHevcNalConfig(record: Buffer): NalConfig {
  const r = new ByteReader(record);
  if (r.u8() !== 1) throw new ProtocolError('unsupported HEVCDecoderConfigurationRecord version');
  r.skip(20); // profile/tier/level, chroma, bit depths, frame rate
  const lengthSize = (r.u8() & 0x03) + 1;
  const parameterSets: Buffer[] = [];
  const arrays = r.u8();
  for (let i = 0; i < arrays; i++) {
    r.skip(1); // completeness and NAL type: VPS, SPS, PPS or SEI, all useful before a keyframe
    const count = r.u16();
    for (let j = 0; j < count; j++) parameterSets.push(r.bytes(r.u16()));
  }
  return { codec: 'HEVC', lengthSize, parameterSets };
}

/** Splits length-prefixed NAL units into views; throws ProtocolError when a length overruns. */
export function splitAvcc(data: Buffer, lengthSize: number): Buffer[] {
  const nalus: Buffer[] = [];
  let offset = 0;
  while (offset < data.length) {
    if (offset + lengthSize > data.length) throw new ProtocolError('truncated NAL unit length');
    const size = data.readUIntBE(offset, lengthSize);
    offset += lengthSize;
    if (offset + size > data.length) throw new ProtocolError(`NAL unit of ${size} bytes overruns the frame`);
    if (size > 0) nalus.push(data.subarray(offset, offset + size));
    offset += size;
  }
  return nalus;
}

function isAud(codec: NalCodec, nal: Buffer): boolean {
  const type = codec === 'H264' ? nal[0]! & 0x1f : (nal[0]! >> 1) & 0x3f;
  return type === (codec === 'H264' ? AVC_NAL_AUD : HEVC_NAL_AUD);
}

/**
 * One access unit as Annex B chunks: an AUD, the parameter sets before a keyframe (so every
 * segment decodes on its own), then the frame's NAL units. The input's own AUDs are dropped.
 */
export function annexBAccessUnit(config: NalConfig, data: Buffer, keyframe: boolean): Buffer[] {
  const chunks: Buffer[] = [START_CODE, config.codec === 'H264' ? AVC_AUD : HEVC_AUD];
  if (keyframe) for (const set of config.parameterSets) chunks.push(START_CODE, set);
  for (const nal of splitAvcc(data, config.lengthSize)) {
    if (!isAud(config.codec, nal)) chunks.push(START_CODE, nal);
  }
  return chunks;
}

/**
 * Splits Annex B data (3- or 4-byte start codes) into NAL unit views. Bytes before the first
 * start code and the zero bytes that pad a NAL unit's end (trailing_zero_8bits) are dropped.
 * More than `maxNalus` units is a ProtocolError: hostile input could ask for millions of views.
 */
export function splitAnnexB(data: Buffer, maxNalus = Infinity): Buffer[] {
  const nalus: Buffer[] = [];
  // Buffer.indexOf searches natively: a slice's bytes never hold a start code (emulation
  // prevention), so each NAL unit costs one call, not a JavaScript step per byte.
  let at = data.indexOf(START_CODE_3);
  while (at >= 0) {
    const start = at + 3;
    at = data.indexOf(START_CODE_3, start);
    pushNal(nalus, data, start, at < 0 ? data.length : at, maxNalus);
  }
  return nalus;
}

function pushNal(nalus: Buffer[], data: Buffer, start: number, end: number, maxNalus: number): void {
  while (end > start && data[end - 1] === 0) end--;
  if (end === start) return;
  if (nalus.length >= maxNalus) throw new ProtocolError(`more than ${maxNalus} NAL units in an access unit`);
  nalus.push(data.subarray(start, end));
}
