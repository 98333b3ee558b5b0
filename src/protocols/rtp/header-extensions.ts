import { ProtocolError } from '../../util/errors.js';
import { encodeRtp, type RtpPacket } from './packet.js';

/** One RTP header extension element (RFC 8285). */
export interface RtpExtension {
  id: number;
  data: Buffer;
}

const ONE_BYTE = 0xbede;
const TWO_BYTE_MASK = 0xfff0;
const TWO_BYTE = 0x1000;

/** The header extension elements of a raw RTP packet (one-byte or two-byte form); [] when none. */
export function readRtpExtensions(packet: Buffer): RtpExtension[] {
  if (packet.length < 12 || (packet[0]! & 0x10) === 0) return [];
  const at = 12 + (packet[0]! & 0x0f) * 4;
  if (at + 4 > packet.length) throw new ProtocolError('RTP header extension overruns the packet');
  const profile = packet.readUInt16BE(at);
  const end = at + 4 + packet.readUInt16BE(at + 2) * 4;
  if (end > packet.length) throw new ProtocolError('RTP header extension overruns the packet');
  const twoByte = (profile & TWO_BYTE_MASK) === TWO_BYTE;
  if (profile !== ONE_BYTE && !twoByte) return [];
  const elements: RtpExtension[] = [];
  for (let i = at + 4; i < end; ) {
    const id = twoByte ? packet[i]! : packet[i]! >> 4;
    if (id === 0) {
      i++; // padding
      continue;
    }
    if (!twoByte && id === 15) break;
    const length = twoByte ? (packet[i + 1] ?? 0) : (packet[i]! & 0x0f) + 1;
    const start = i + (twoByte ? 2 : 1);
    if (start + length > end) throw new ProtocolError(`RTP header extension element ${id} overruns the extension`);
    elements.push({ id, data: packet.subarray(start, start + length) });
    i = start + length;
  }
  return elements;
}

/**
 * A raw RTP packet with a plain 12-byte header, these extension elements and the payload: the
 * one-byte form when every element fits it (ids 1-14, 1-16 bytes), the two-byte form otherwise.
 */
export function writeRtpWithExtensions(header: Omit<RtpPacket, 'payload'>, extensions: readonly RtpExtension[], payload: Buffer): Buffer {
  if (extensions.length === 0) return encodeRtp({ ...header, payload });
  const oneByte = extensions.every((e) => e.id >= 1 && e.id <= 14 && e.data.length >= 1 && e.data.length <= 16);
  const parts: Buffer[] = [];
  for (const { id, data } of extensions) {
    if (id < 1 || id > 255 || data.length > 255) throw new RangeError(`RTP header extension ${id} of ${data.length} bytes`);
    parts.push(oneByte ? Buffer.from([(id << 4) | (data.length - 1)]) : Buffer.from([id, data.length]), data);
  }
  const elements = Buffer.concat(parts);
  const words = Math.ceil(elements.length / 4);
  const extension = Buffer.alloc(4 + words * 4);
  extension.writeUInt16BE(oneByte ? ONE_BYTE : TWO_BYTE, 0);
  extension.writeUInt16BE(words, 2);
  elements.copy(extension, 4);
  const plain = encodeRtp({ ...header, payload: Buffer.alloc(0) });
  plain[0]! |= 0x10;
  return Buffer.concat([plain, extension, payload]);
}
