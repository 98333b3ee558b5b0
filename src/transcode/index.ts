export { createAacToOpus } from './aac-to-opus.js';
export { createOpusToAac } from './opus-to-aac.js';
export { OpusBridges } from './opus-bridge.js';
export { OpusIngest, type OpusIngestOptions } from './opus-ingest.js';
export type { AacToOpusOptions, AudioPacket, AudioTranscoder, OpusToAacOptions, TranscoderOptions, TranscoderStats } from './types.js';
