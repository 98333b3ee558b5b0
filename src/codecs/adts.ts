import { ProtocolError } from '../util/errors.js';
import { BitReader } from './bitreader.js';

/** What an ADTS header needs from an AudioSpecificConfig. */
export interface AdtsConfig {
  /** ADTS profile: audio object type minus one, 0..3. */
  profile: number;
  samplingIndex: number;
  channelConfig: number;
}

const AOT_LC = 2;
const AOT_ESCAPE = 31;
const EXPLICIT_RATE = 15;
const MAX_FRAME = 0x1fff;

/**
 * Reads the ADTS fields from an AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1). ADTS has two bits
 * for the profile, so HE-AAC and other object types above LTP are sent as LC: a decoder finds the
 * SBR/PS extensions in the raw data (what SRS and ffmpeg do too).
 */
export function readAdtsConfig(asc: Uint8Array): AdtsConfig {
  if (asc.length < 2) throw new ProtocolError('AudioSpecificConfig shorter than 2 bytes');
  const b = new BitReader(asc);
  let objectType = b.bits(5);
  if (objectType === AOT_ESCAPE) objectType = 32 + b.bits(6);
  const samplingIndex = b.bits(4);
  if (samplingIndex === EXPLICIT_RATE) throw new ProtocolError('ADTS cannot carry an explicit AAC sample rate');
  const channelConfig = b.bits(4);
  const profile = objectType >= 1 && objectType <= 4 ? objectType - 1 : AOT_LC - 1;
  return { profile, samplingIndex, channelConfig };
}

/** The 7-byte ADTS header (no CRC) for one raw AAC frame of `payloadLength` bytes. */
export function adtsHeader(config: AdtsConfig, payloadLength: number): Buffer {
  const frameLength = payloadLength + 7;
  if (frameLength > MAX_FRAME) throw new ProtocolError(`AAC frame of ${payloadLength} bytes is too large for ADTS`);
  const h = Buffer.allocUnsafe(7);
  h[0] = 0xff;
  h[1] = 0xf1; // sync, MPEG-4, layer 0, no CRC
  h[2] = (config.profile << 6) | (config.samplingIndex << 2) | (config.channelConfig >> 2);
  h[3] = ((config.channelConfig & 0x03) << 6) | (frameLength >> 11);
  h[4] = (frameLength >> 3) & 0xff;
  h[5] = ((frameLength & 0x07) << 5) | 0x1f; // buffer fullness 0x7ff: variable rate
  h[6] = 0xfc; // fullness continued, one raw data block
  return h;
}

/** One ADTS frame found in a buffer: its configuration and where its raw AAC data lies. */
export interface AdtsFrame {
  config: AdtsConfig;
  /** Offset of the raw AAC data (after the 7- or 9-byte header). */
  dataOffset: number;
  /** Offset just past the frame. */
  end: number;
  /** Raw data blocks in the frame: 1 in every stream seen in practice. */
  blocks: number;
}

/** Reads the ADTS frame at `offset`; undefined when there is no valid header or it is cut short. */
export function readAdtsFrame(data: Uint8Array, offset: number): AdtsFrame | undefined {
  if (offset + 7 > data.length || data[offset] !== 0xff || (data[offset + 1]! & 0xf6) !== 0xf0) return undefined;
  const b2 = data[offset + 2]!;
  const b3 = data[offset + 3]!;
  const frameLength = ((b3 & 0x03) << 11) | (data[offset + 4]! << 3) | (data[offset + 5]! >> 5);
  const headerLength = data[offset + 1]! & 0x01 ? 7 : 9; // protection_absent
  const samplingIndex = (b2 >> 2) & 0x0f;
  if (samplingIndex > 12 || frameLength <= headerLength || offset + frameLength > data.length) return undefined;
  return {
    config: { profile: b2 >> 6, samplingIndex, channelConfig: ((b2 & 0x01) << 2) | (b3 >> 6) },
    dataOffset: offset + headerLength,
    end: offset + frameLength,
    blocks: (data[offset + 6]! & 0x03) + 1,
  };
}

/** The 2-byte AudioSpecificConfig that an ADTS header describes. */
export function audioSpecificConfig(config: AdtsConfig): Buffer {
  const asc = Buffer.alloc(2);
  asc.writeUInt16BE(((config.profile + 1) << 11) | (config.samplingIndex << 7) | (config.channelConfig << 3));
  return asc;
}
