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
