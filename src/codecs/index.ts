export {
  type FrameTraits,
  type TagHeader,
  PacketType,
  inspectAudio,
  inspectVideo,
  readAudioTagHeader,
  readVideoTagHeader,
} from './inspect.js';
export { describeAudioConfig, describeVideoConfig } from './describe.js';
export { type AvcSps, parseAvcConfig, parseAvcSps } from './avc.js';
export { type HevcSps, parseHevcConfig, parseHevcSps } from './hevc.js';
export { parseAacConfig } from './aac.js';
export { parseAv1Config } from './av1.js';
export { parseVp9Config } from './vp9.js';
export { parseOpusHead } from './opus.js';
