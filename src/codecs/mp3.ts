import { ProtocolError } from '../util/errors.js';

/** What an MPEG audio frame header (ISO/IEC 11172-3, 13818-3) says about its stream. */
export interface MpegAudioHeader {
  /** 1: MPEG-1 (32-48 kHz); 2: MPEG-2 LSF (16-24 kHz); 2.5: MPEG-2.5 (8-12 kHz). */
  version: 1 | 2 | 2.5;
  sampleRate: number;
  channels: number;
}

const VERSIONS = [2.5, undefined, 2, 1] as const;
const RATES: Record<number, readonly number[]> = { 1: [44100, 48000, 32000], 2: [22050, 24000, 16000], 2.5: [11025, 12000, 8000] };
const MONO = 3;

/** Reads the 4-byte header that starts an MP3 (MPEG audio) frame; throws ProtocolError on garbage. */
export function readMpegAudioHeader(frame: Uint8Array): MpegAudioHeader {
  if (frame.length < 4 || frame[0] !== 0xff || (frame[1]! & 0xe0) !== 0xe0) throw new ProtocolError('MPEG audio frame without a sync word');
  const version = VERSIONS[(frame[1]! >> 3) & 0x03];
  const sampleRate = version === undefined ? undefined : RATES[version]![(frame[2]! >> 2) & 0x03];
  if (version === undefined || sampleRate === undefined) throw new ProtocolError('MPEG audio frame with a reserved version or sample rate');
  return { version, sampleRate, channels: frame[3]! >> 6 === MONO ? 1 : 2 };
}

/** Where an MPEG audio frame ends and how many samples it holds. */
export interface MpegAudioFrameSize {
  length: number;
  samples: number;
}

// Bitrates in kbit/s by bitrate_index (1..14): MPEG-1 layers I, II, III, then MPEG-2/2.5 layer I, II/III.
const BITRATES = [
  [32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  [32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  [32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
] as const;

/**
 * The size of the MPEG audio frame that starts `frame` (ISO/IEC 11172-3 2.4.3.1); undefined for
 * a free-format bitrate or a reserved layer, whose frames cannot be measured from the header.
 */
export function mpegAudioFrameSize(frame: Uint8Array): MpegAudioFrameSize | undefined {
  const { version, sampleRate } = readMpegAudioHeader(frame);
  const layer = 4 - ((frame[1]! >> 1) & 0x03); // 1, 2 or 3; 4 is reserved
  const index = frame[2]! >> 4;
  if (layer === 4 || index === 0 || index === 15) return undefined;
  const table = version === 1 ? layer - 1 : layer === 1 ? 3 : 4;
  const bitrate = BITRATES[table]![index - 1]! * 1000;
  const padding = (frame[2]! >> 1) & 0x01;
  if (layer === 1) return { length: (Math.floor((12 * bitrate) / sampleRate) + padding) * 4, samples: 384 };
  const samples = layer === 3 && version !== 1 ? 576 : 1152;
  return { length: Math.floor(((samples / 8) * bitrate) / sampleRate) + padding, samples };
}
