import { ProtocolError } from '../../util/errors.js';

/** One RTP packet (RFC 3550 5.1); `payload` is a view into the datagram it was read from. */
export interface RtpPacket {
  payloadType: number;
  marker: boolean;
  sequence: number;
  timestamp: number;
  ssrc: number;
  payload: Buffer;
}

const HEADER_BYTES = 12;
const VERSION = 2;

/** Reads an RTP packet: CSRCs, header extension and padding are skipped; bad lengths are ProtocolErrors. */
export function decodeRtp(data: Buffer): RtpPacket {
  if (data.length < HEADER_BYTES) throw new ProtocolError(`RTP packet of ${data.length} bytes is shorter than its header`);
  const first = data[0]!;
  if (first >> 6 !== VERSION) throw new ProtocolError(`RTP version ${first >> 6}`);
  let offset = HEADER_BYTES + (first & 0x0f) * 4;
  if (first & 0x10) {
    if (offset + 4 > data.length) throw new ProtocolError('RTP header extension overruns the packet');
    offset += 4 + data.readUInt16BE(offset + 2) * 4;
  }
  let end = data.length;
  if (first & 0x20) end -= data[data.length - 1]!;
  if (offset > end) throw new ProtocolError('RTP header or padding overruns the packet');
  return {
    payloadType: data[1]! & 0x7f,
    marker: (data[1]! & 0x80) !== 0,
    sequence: data.readUInt16BE(2),
    timestamp: data.readUInt32BE(4),
    ssrc: data.readUInt32BE(8),
    payload: data.subarray(offset, end),
  };
}

/** Writes an RTP packet with a plain 12-byte header. */
export function encodeRtp(packet: RtpPacket): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + packet.payload.length);
  out[0] = VERSION << 6;
  out[1] = (packet.marker ? 0x80 : 0) | (packet.payloadType & 0x7f);
  out.writeUInt16BE(packet.sequence & 0xffff, 2);
  out.writeUInt32BE(packet.timestamp >>> 0, 4);
  out.writeUInt32BE(packet.ssrc >>> 0, 8);
  packet.payload.copy(out, HEADER_BYTES);
  return out;
}

/** `a - b` for 16-bit sequence numbers, in -32768..32767. */
export function sequenceDelta(a: number, b: number): number {
  return ((a - b + 0x18000) & 0xffff) - 0x8000;
}

/** `a - b` for 32-bit RTP timestamps, as a signed 32-bit difference. */
export function timestampDelta(a: number, b: number): number {
  return (a - b) | 0;
}
