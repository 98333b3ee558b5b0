import type { AacToOpusOptions, AudioTranscoder } from './types.js';

/** AAC access units in, 20 ms Opus packets (48 kHz) out, through one supervised ffmpeg child. */
export function createAacToOpus(options: AacToOpusOptions): AudioTranscoder {
  void options;
  throw new Error('not implemented yet');
}
