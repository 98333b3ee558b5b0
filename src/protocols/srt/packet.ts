import { ProtocolError } from '../../util/errors.js';

/** Every SRT packet starts with a 16-byte header; bit 0 tells data from control. */
export const HEADER_SIZE = 16;

export enum ControlType {
  Handshake = 0,
  Keepalive = 1,
  Ack = 2,
  Nak = 3,
  CongestionWarning = 4,
  Shutdown = 5,
  AckAck = 6,
  DropReq = 7,
  PeerError = 8,
  UserDefined = 0x7fff,
}

/** Where a message's packet sits in it (PP): live mode sends every message in one packet. */
export enum Position {
  Middle = 0,
  Last = 1,
  First = 2,
  Solo = 3,
}

export interface DataPacket {
  readonly kind: 'data';
  /** 31-bit packet sequence number. */
  seq: number;
  position: Position;
  inOrder: boolean;
  /** KK: 0 clear, 1 even key, 2 odd key. */
  keyFlag: number;
  retransmitted: boolean;
  /** 26-bit message number. */
  messageNumber: number;
  /** Microseconds since the sender's connection start. */
  timestamp: number;
  destinationId: number;
  payload: Buffer;
}

export interface ControlPacket {
  readonly kind: 'control';
  type: ControlType;
  subtype: number;
  /** The type-specific information word (ACK number, message number, ...). */
  info: number;
  timestamp: number;
  destinationId: number;
  body: Buffer;
}

export type SrtPacket = DataPacket | ControlPacket;

/** Decodes one UDP datagram; the payload and body are views into it. */
export function decodePacket(datagram: Buffer): SrtPacket {
  if (datagram.length < HEADER_SIZE) throw new ProtocolError(`SRT packet of ${datagram.length} bytes, shorter than its header`);
  const first = datagram.readUInt32BE(0);
  const second = datagram.readUInt32BE(4);
  const timestamp = datagram.readUInt32BE(8);
  const destinationId = datagram.readUInt32BE(12);
  if (first & 0x80000000) {
    return {
      kind: 'control',
      type: (first >>> 16) & 0x7fff,
      subtype: first & 0xffff,
      info: second,
      timestamp,
      destinationId,
      body: datagram.subarray(HEADER_SIZE),
    };
  }
  return {
    kind: 'data',
    seq: first,
    position: second >>> 30,
    inOrder: (second & 0x20000000) !== 0,
    keyFlag: (second >>> 27) & 0x3,
    retransmitted: (second & 0x04000000) !== 0,
    messageNumber: second & 0x03ffffff,
    timestamp,
    destinationId,
    payload: datagram.subarray(HEADER_SIZE),
  };
}

export function encodeData(packet: Omit<DataPacket, 'kind'>): Buffer {
  const out = Buffer.allocUnsafe(HEADER_SIZE + packet.payload.length);
  out.writeUInt32BE(packet.seq & 0x7fffffff, 0);
  out.writeUInt32BE(dataFlags(packet), 4);
  out.writeUInt32BE(packet.timestamp >>> 0, 8);
  out.writeUInt32BE(packet.destinationId >>> 0, 12);
  packet.payload.copy(out, HEADER_SIZE);
  return out;
}

/** The second header word of a data packet: PP, O, KK, R and the message number. */
export function dataFlags(packet: Pick<DataPacket, 'position' | 'inOrder' | 'keyFlag' | 'retransmitted' | 'messageNumber'>): number {
  return (
    ((packet.position << 30) |
      (packet.inOrder ? 0x20000000 : 0) |
      ((packet.keyFlag & 0x3) << 27) |
      (packet.retransmitted ? 0x04000000 : 0) |
      (packet.messageNumber & 0x03ffffff)) >>>
    0
  );
}

export function encodeControl(packet: Omit<ControlPacket, 'kind'>): Buffer {
  const out = Buffer.allocUnsafe(HEADER_SIZE + packet.body.length);
  out.writeUInt32BE((0x80000000 | ((packet.type & 0x7fff) << 16) | (packet.subtype & 0xffff)) >>> 0, 0);
  out.writeUInt32BE(packet.info >>> 0, 4);
  out.writeUInt32BE(packet.timestamp >>> 0, 8);
  out.writeUInt32BE(packet.destinationId >>> 0, 12);
  packet.body.copy(out, HEADER_SIZE);
  return out;
}
