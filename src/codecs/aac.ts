import type { AudioTrackInfo } from '../media/frame.js';
import { ProtocolError } from '../util/errors.js';
import { BitReader } from './bitreader.js';

/** AAC sample rates by samplingFrequencyIndex 0..12 (ISO/IEC 14496-3 1.6.3.4). */
export const AAC_SAMPLE_RATES = [
  96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
];

// channelConfiguration 1..7 (0 means a program config element describes the channels).
const CHANNELS = [undefined, 1, 2, 3, 4, 5, 6, 8];

const OBJECT_TYPE_NAMES: Record<number, string> = {
  1: 'Main',
  2: 'LC',
  3: 'SSR',
  4: 'LTP',
  5: 'HE',
  23: 'LD',
  29: 'HEv2',
  39: 'ELD',
};

const SBR = 5;
const PS = 29;

/** Parses an AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1): profile, sample rate, channels. */
export function parseAacConfig(asc: Uint8Array): AudioTrackInfo {
  const b = new BitReader(asc);
  const objectType = readObjectType(b);
  let sampleRate = readSampleRate(b);
  const channelConfig = b.bits(4);
  // Explicit HE-AAC signalling: the player outputs the SBR rate, not the core rate.
  if (objectType === SBR || objectType === PS) sampleRate = readSampleRate(b);
  const info: AudioTrackInfo = {
    codec: 'AAC',
    profile: OBJECT_TYPE_NAMES[objectType] ?? `object type ${objectType}`,
    sampleRate,
  };
  const channels = CHANNELS[channelConfig];
  // PS decodes a mono core into stereo.
  if (channels !== undefined) info.channels = objectType === PS && channels === 1 ? 2 : channels;
  return info;
}

function readObjectType(b: BitReader): number {
  const type = b.bits(5);
  return type === 31 ? 32 + b.bits(6) : type;
}

function readSampleRate(b: BitReader): number {
  const index = b.bits(4);
  if (index === 15) return b.bits(24);
  const rate = AAC_SAMPLE_RATES[index];
  if (rate === undefined) throw new ProtocolError(`reserved AAC sampling frequency index ${index}`);
  return rate;
}
