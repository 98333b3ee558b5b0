export { Mp4Muxer } from './muxer.js';
export { mp4Tracks } from './tracks.js';
export type { Mp4Sample, Mp4Track } from './track.js';
