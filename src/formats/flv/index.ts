export { flvFileHeader } from './header.js';
export { FLV_TAG_TYPE, encodeFlvTag, flvTagToFrame } from './tag.js';
export { type FlvReaderOptions, type FlvTag, FlvReader, readFlvFile } from './reader.js';
