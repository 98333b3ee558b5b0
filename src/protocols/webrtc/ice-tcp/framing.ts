import { ProtocolError } from '../../../util/errors.js';

/**
 * RFC 4571 framing, as ICE-TCP uses it (RFC 6544 section 3): every STUN message, DTLS record
 * and SRTP/SRTCP packet goes over the TCP connection as a 16-bit big-endian length and the bytes.
 */
export function frame(packet: Buffer): Buffer {
  if (packet.length > 0xffff) throw new ProtocolError(`packet of ${packet.length} bytes is too long for RFC 4571 framing`);
  const framed = Buffer.allocUnsafe(2 + packet.length);
  framed.writeUInt16BE(packet.length, 0);
  packet.copy(framed, 2);
  return framed;
}

/**
 * Cuts a TCP byte stream back into packets, however the reads split it. Only the bytes of an
 * incomplete packet are kept between reads (at most 64 KiB). An empty frame is a protocol error:
 * no packet of ICE, DTLS or SRTP is empty, so it means the peer does not speak RFC 4571.
 */
export class FrameReader {
  private pending: Buffer | undefined;

  push(data: Buffer, onPacket: (packet: Buffer) => void): void {
    let buf = data;
    if (this.pending) {
      buf = Buffer.concat([this.pending, data]);
      this.pending = undefined;
    }
    let pos = 0;
    while (buf.length - pos >= 2) {
      const length = buf.readUInt16BE(pos);
      if (length === 0) throw new ProtocolError('empty RFC 4571 frame');
      if (buf.length - pos - 2 < length) break;
      onPacket(buf.subarray(pos + 2, pos + 2 + length));
      pos += 2 + length;
    }
    // A copy: a small remainder must not pin the whole read buffer.
    if (pos < buf.length) this.pending = Buffer.from(buf.subarray(pos));
  }
}
