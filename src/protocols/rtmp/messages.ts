import { ByteReader } from '../../util/bytes.js';
import { ProtocolError } from '../../util/errors.js';
import { decodeAmf0, encodeAmf0 } from './amf0.js';

/** RTMP message type ids (RTMP spec sections 5.4, 6.2, 7.1). */
export const MessageType = {
  SetChunkSize: 1,
  Abort: 2,
  Acknowledgement: 3,
  UserControl: 4,
  WindowAckSize: 5,
  SetPeerBandwidth: 6,
  Audio: 8,
  Video: 9,
  DataAmf3: 15,
  SharedObjectAmf3: 16,
  CommandAmf3: 17,
  DataAmf0: 18,
  SharedObjectAmf0: 19,
  CommandAmf0: 20,
  Aggregate: 22,
} as const;

export const UserControlEvent = {
  StreamBegin: 0,
  StreamEof: 1,
  StreamDry: 2,
  SetBufferLength: 3,
  StreamIsRecorded: 4,
  PingRequest: 6,
  PingResponse: 7,
} as const;

/** Limit types of Set Peer Bandwidth. */
export const PeerBandwidthLimit = { Hard: 0, Soft: 1, Dynamic: 2 } as const;

export interface RtmpMessage {
  type: number;
  streamId: number;
  /** Milliseconds, modulo 2^32. */
  timestamp: number;
  chunkStreamId: number;
  payload: Buffer;
}

export interface Command {
  name: string;
  transactionId: number;
  commandObject: unknown;
  args: unknown[];
}

// Chunk stream ids by convention: 2 for protocol control, 3 for connection-level commands,
// 5 for commands and data on a media stream.
const CONTROL_CHUNK_STREAM = 2;

function commandChunkStream(streamId: number): number {
  return streamId === 0 ? 3 : 5;
}

function control(type: number, payload: Buffer): RtmpMessage {
  return { type, streamId: 0, timestamp: 0, chunkStreamId: CONTROL_CHUNK_STREAM, payload };
}

/** Big-endian u32s; values wrap modulo 2^32 (the acknowledgement sequence number does). */
function u32s(...values: number[]): Buffer {
  const buf = Buffer.allocUnsafe(4 * values.length);
  values.forEach((value, i) => buf.writeUInt32BE(value >>> 0, 4 * i));
  return buf;
}

export function setChunkSize(size: number): RtmpMessage {
  if (!Number.isInteger(size) || size < 1 || size > 0x7fffffff) {
    throw new RangeError(`chunk size ${size} outside 1..2147483647`);
  }
  return control(MessageType.SetChunkSize, u32s(size));
}

export function windowAckSize(size: number): RtmpMessage {
  return control(MessageType.WindowAckSize, u32s(size));
}

export function setPeerBandwidth(size: number, limitType: number): RtmpMessage {
  return control(MessageType.SetPeerBandwidth, Buffer.concat([u32s(size), Buffer.of(limitType)]));
}

export function acknowledgement(sequenceNumber: number): RtmpMessage {
  return control(MessageType.Acknowledgement, u32s(sequenceNumber));
}

/** `extra` is the second value of events that carry two (SetBufferLength's buffer length). */
export function userControl(event: number, value: number, extra?: number): RtmpMessage {
  const values = extra === undefined ? u32s(value) : u32s(value, extra);
  const payload = Buffer.concat([Buffer.of(event >> 8, event & 0xff), values]);
  return control(MessageType.UserControl, payload);
}

export function streamBegin(streamId: number): RtmpMessage {
  return userControl(UserControlEvent.StreamBegin, streamId);
}

export function streamEof(streamId: number): RtmpMessage {
  return userControl(UserControlEvent.StreamEof, streamId);
}

export function pingResponse(timestamp: number): RtmpMessage {
  return userControl(UserControlEvent.PingResponse, timestamp);
}

export function commandMessage(
  streamId: number,
  name: string,
  transactionId: number,
  commandObject: unknown,
  ...args: unknown[]
): RtmpMessage {
  return {
    type: MessageType.CommandAmf0,
    streamId,
    timestamp: 0,
    chunkStreamId: commandChunkStream(streamId),
    payload: encodeAmf0(name, transactionId, commandObject, ...args),
  };
}

export function dataMessage(streamId: number, ...values: unknown[]): RtmpMessage {
  return {
    type: MessageType.DataAmf0,
    streamId,
    timestamp: 0,
    chunkStreamId: commandChunkStream(streamId),
    payload: encodeAmf0(...values),
  };
}

export function onStatus(
  streamId: number,
  level: 'status' | 'error' | 'warning',
  code: string,
  description: string,
  extra?: Record<string, unknown>,
): RtmpMessage {
  return commandMessage(streamId, 'onStatus', 0, null, { level, code, description, ...extra });
}

/**
 * AMF3 command and data messages start with a format byte 0, then carry AMF0 values (which may
 * switch to AMF3 per value). Tolerate senders that leave the byte out.
 */
function amf3Body(payload: Buffer): Buffer {
  return payload[0] === 0 ? payload.subarray(1) : payload;
}

export function decodeCommand(msg: RtmpMessage): Command {
  let values: unknown[];
  if (msg.type === MessageType.CommandAmf0) values = decodeAmf0(msg.payload);
  else if (msg.type === MessageType.CommandAmf3) values = decodeAmf0(amf3Body(msg.payload));
  else throw new ProtocolError(`message type ${msg.type} is not a command`);
  const [name, transactionId, commandObject = null, ...args] = values;
  if (typeof name !== 'string') throw new ProtocolError('command name is not a string');
  if (typeof transactionId !== 'number') {
    throw new ProtocolError(`command ${JSON.stringify(name)} has no numeric transaction id`);
  }
  return { name, transactionId, commandObject, args };
}

export function decodeData(msg: RtmpMessage): unknown[] {
  if (msg.type === MessageType.DataAmf0) return decodeAmf0(msg.payload);
  if (msg.type === MessageType.DataAmf3) return decodeAmf0(amf3Body(msg.payload));
  throw new ProtocolError(`message type ${msg.type} is not a data message`);
}

/** `extra` is present only for events that carry a second value (SetBufferLength). */
export function decodeUserControl(payload: Buffer): { event: number; value: number; extra?: number } {
  const reader = new ByteReader(payload);
  const event = reader.u16();
  const value = reader.u32();
  return reader.remaining >= 4 ? { event, value, extra: reader.u32() } : { event, value };
}
