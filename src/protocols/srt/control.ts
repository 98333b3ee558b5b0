import { ProtocolError } from '../../util/errors.js';
import { ControlType, encodeControl } from './packet.js';
import { seqNext, seqOffset } from './sequence.js';

/** libsrt pads bodiless control packets (keepalive, ACKACK, shutdown) with one zero word. */
const PAD = Buffer.alloc(4);

export interface AckInfo {
  /** The sequence number after the last one received in order. */
  ackSeq: number;
  /** Microseconds; present in a full ACK. */
  rtt?: number;
  rttVariance?: number;
  /** Packets of free receive buffer. */
  availableBuffer?: number;
  /** Packets per second received. */
  packetRate?: number;
  /** Estimated link capacity, packets per second. */
  linkCapacity?: number;
  /** Bytes per second received. */
  receiveRate?: number;
}

/** A full ACK carries 7 words; a light ACK only the sequence number. */
export function encodeAck(ackNumber: number, ack: AckInfo, timestamp: number, destinationId: number): Buffer {
  const words = [ack.ackSeq, ack.rtt, ack.rttVariance, ack.availableBuffer, ack.packetRate, ack.linkCapacity, ack.receiveRate];
  const count = ack.rtt === undefined ? 1 : 7;
  const body = Buffer.alloc(count * 4);
  for (let i = 0; i < count; i++) body.writeUInt32BE((words[i] ?? 0) >>> 0, i * 4);
  return encodeControl({ type: ControlType.Ack, subtype: 0, info: ackNumber, timestamp, destinationId, body });
}

export function decodeAck(body: Buffer): AckInfo {
  if (body.length < 4) throw new ProtocolError('SRT ACK without a sequence number');
  const word = (i: number): number | undefined => (body.length >= (i + 1) * 4 ? body.readUInt32BE(i * 4) : undefined);
  return {
    ackSeq: body.readUInt32BE(0) & 0x7fffffff,
    rtt: word(1),
    rttVariance: word(2),
    availableBuffer: word(3),
    packetRate: word(4),
    linkCapacity: word(5),
    receiveRate: word(6),
  };
}

/** A range of lost packets, both ends included. */
export interface LossRange {
  first: number;
  last: number;
}

/** NAK loss list: a single number, or a range as (first | 0x80000000, last). */
export function encodeNak(losses: readonly LossRange[], timestamp: number, destinationId: number): Buffer {
  const words: number[] = [];
  for (const { first, last } of losses) {
    if (first === last) words.push(first);
    else words.push((first | 0x80000000) >>> 0, last);
  }
  const body = Buffer.alloc(words.length * 4);
  words.forEach((word, i) => body.writeUInt32BE(word >>> 0, i * 4));
  return encodeControl({ type: ControlType.Nak, subtype: 0, info: 0, timestamp, destinationId, body });
}

/** Ranges longer than this are refused: a hostile NAK must not make the sender walk 2^31 numbers. */
const MAX_NAK_RANGE = 1 << 16;

export function decodeNak(body: Buffer): LossRange[] {
  const ranges: LossRange[] = [];
  for (let offset = 0; offset + 4 <= body.length; offset += 4) {
    const word = body.readUInt32BE(offset);
    if ((word & 0x80000000) === 0) {
      ranges.push({ first: word, last: word });
      continue;
    }
    offset += 4;
    if (offset + 4 > body.length) throw new ProtocolError('SRT NAK range without its end');
    const first = word & 0x7fffffff;
    const last = body.readUInt32BE(offset) & 0x7fffffff;
    const span = seqOffset(first, last);
    if (span < 0 || span > MAX_NAK_RANGE) throw new ProtocolError(`SRT NAK range ${first}..${last} is not a plausible loss`);
    ranges.push({ first, last });
  }
  return ranges;
}

/** Every sequence number of the ranges, in order. */
export function* lostSequences(ranges: readonly LossRange[]): Generator<number> {
  for (const { first, last } of ranges) {
    for (let seq = first; ; seq = seqNext(seq)) {
      yield seq;
      if (seq === last) break;
    }
  }
}

export function encodeAckAck(ackNumber: number, timestamp: number, destinationId: number): Buffer {
  return encodeControl({ type: ControlType.AckAck, subtype: 0, info: ackNumber, timestamp, destinationId, body: PAD });
}

export function encodeKeepalive(timestamp: number, destinationId: number): Buffer {
  return encodeControl({ type: ControlType.Keepalive, subtype: 0, info: 0, timestamp, destinationId, body: PAD });
}

export function encodeShutdown(timestamp: number, destinationId: number): Buffer {
  return encodeControl({ type: ControlType.Shutdown, subtype: 0, info: 0, timestamp, destinationId, body: PAD });
}

/** Tells the receiver that a message's packets will never come (sender dropped them too late). */
export function encodeDropRequest(messageNumber: number, range: LossRange, timestamp: number, destinationId: number): Buffer {
  const body = Buffer.alloc(8);
  body.writeUInt32BE(range.first >>> 0, 0);
  body.writeUInt32BE(range.last >>> 0, 4);
  return encodeControl({ type: ControlType.DropReq, subtype: 0, info: messageNumber, timestamp, destinationId, body });
}

export function decodeDropRequest(body: Buffer): LossRange {
  if (body.length < 8) throw new ProtocolError('SRT drop request without its range');
  return { first: body.readUInt32BE(0) & 0x7fffffff, last: body.readUInt32BE(4) & 0x7fffffff };
}
