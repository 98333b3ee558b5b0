// The RTMP wire layer: handshake, chunking and AMF. No streams, config or callbacks here.
export { EcmaArray, decodeAmf0, decodeAmf0Value, encodeAmf0 } from './amf0.js';
export { createAmf3Tables, decodeAmf3Value, type Amf3Tables, type Amf3Traits } from './amf3.js';
export { MAX_AMF_DEPTH } from './amf-common.js';
export { ChunkReader, DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE, type ChunkReaderOptions } from './chunk-reader.js';
export { encodeMessage, encodeMessages, encodedSize } from './chunk-writer.js';
export { ClientHandshake, HANDSHAKE_SIZE, RTMP_VERSION, ServerHandshake, type HandshakeStep } from './handshake.js';
export {
  MessageType,
  PeerBandwidthLimit,
  UserControlEvent,
  acknowledgement,
  commandMessage,
  dataMessage,
  decodeCommand,
  decodeData,
  decodeUserControl,
  onStatus,
  pingResponse,
  setChunkSize,
  setPeerBandwidth,
  streamBegin,
  streamEof,
  userControl,
  windowAckSize,
  type Command,
  type RtmpMessage,
} from './messages.js';
