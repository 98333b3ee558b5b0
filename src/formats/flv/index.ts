export { flvFileHeader } from './header.js';
export { FLV_MAX_TAG_SIZE, FLV_TAG_HEADER_SIZE, FLV_TAG_TYPE, encodeFlvTag, flvTagToFrame } from './tag.js';
export { type FlvReaderOptions, type FlvTag, FlvReader, readFlvFile } from './reader.js';
