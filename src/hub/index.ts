export { Feed } from './feed.js';
export { Reader, type FrameSink, type OutputFormat, type ReaderLimits, type StartGate, type StreamReader } from './reader.js';
export { Stream, streamKey, type Publisher, type StreamOptions } from './stream.js';
export { StreamHub } from './stream-hub.js';
