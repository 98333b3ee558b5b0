export { Reader, type FrameSink, type OutputFormat, type ReaderLimits } from './reader.js';
export { Stream, streamKey, type Publisher, type StreamOptions } from './stream.js';
export { StreamHub } from './stream-hub.js';
