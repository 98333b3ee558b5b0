import type { AudioTranscoder, OpusToAacOptions } from './types.js';

/** Opus packets in, AAC-LC access units (48 kHz) out, through one supervised ffmpeg child. */
export function createOpusToAac(options: OpusToAacOptions): AudioTranscoder {
  void options;
  throw new Error('not implemented yet');
}
