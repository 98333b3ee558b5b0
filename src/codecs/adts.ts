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
