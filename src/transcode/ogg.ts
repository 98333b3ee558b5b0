import { crc32MsbFirst } from '../formats/mpegts/crc32.js';
import { ProtocolError } from '../util/errors.js';

/** One Ogg page (RFC 3533), a packet carried whole on it (packets here are far below 64 KB). */
export interface OggPageFields {
  /** 0x02 on a stream's first page (BOS), 0x04 on its last (EOS). */
  headerType: number;
  granule: bigint;
  serial: number;
  sequence: number;
  packet: Buffer;
}

const CAPTURE = Buffer.from('OggS');
const HEADER = 27;
const MAX_PACKET = 255 * 254; // one page's lacing table can hold 255 values; a final one < 255 ends it
const MAX_PAGE = HEADER + 255 + 255 * 255;
/** CRC-32 of Ogg: the MPEG-2 polynomial, MSB first, from an initial value of 0. */
export function oggCrc(data: Uint8Array): number {
  return crc32MsbFirst(data, 0);
}

/** Encodes a page that carries exactly one packet. */
export function oggPage(fields: OggPageFields): Buffer {
  const length = fields.packet.length;
  if (length > MAX_PACKET) throw new ProtocolError(`packet of ${length} bytes is too large for one Ogg page`);
  const lacing = Math.floor(length / 255) + 1;
  const page = Buffer.alloc(HEADER + lacing + length);
  CAPTURE.copy(page, 0);
  page[5] = fields.headerType;
  page.writeBigInt64LE(fields.granule, 6);
  page.writeUInt32LE(fields.serial >>> 0, 14);
  page.writeUInt32LE(fields.sequence >>> 0, 18);
  page[26] = lacing;
  page.fill(255, HEADER, HEADER + lacing - 1);
  page[HEADER + lacing - 1] = length % 255;
  fields.packet.copy(page, HEADER + lacing);
  page.writeUInt32LE(oggCrc(page), 22);
  return page;
}

/**
 * Reassembles the packets of an Ogg stream from bytes as they arrive (one logical stream: what
 * ffmpeg writes for one audio track). Bytes that are not a page are skipped up to the next
 * capture pattern and counted; a page with a wrong CRC is skipped whole.
 */
export class OggPacketReader {
  skippedBytes = 0;
  private pending: Buffer = Buffer.alloc(0);
  private partial: Buffer[] = [];

  constructor(private readonly onPacket: (packet: Buffer) => void) {}

  push(chunk: Buffer): void {
    let data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let at = 0;
    for (;;) {
      const start = data.indexOf(CAPTURE, at);
      if (start < 0) {
        // Keep a tail that may be the start of a capture pattern.
        const keep = Math.min(3, data.length - at);
        this.skippedBytes += data.length - at - keep;
        at = data.length - keep;
        break;
      }
      this.skippedBytes += start - at;
      at = start;
      if (data.length - at < HEADER) break;
      const segments = data[at + 26]!;
      if (data.length - at < HEADER + segments) break;
      const lacing = data.subarray(at + HEADER, at + HEADER + segments);
      const bodyLength = lacing.reduce((sum, value) => sum + value, 0);
      const end = at + HEADER + segments + bodyLength;
      if (end > data.length) break;
      const page = data.subarray(at, end);
      if (this.valid(page)) {
        this.packets(page, lacing, at + HEADER + segments, data);
        at = end;
      } else {
        this.skippedBytes++;
        at++;
      }
    }
    data = data.subarray(at);
    if (data.length > MAX_PAGE) {
      this.skippedBytes += data.length;
      data = Buffer.alloc(0);
    }
    this.pending = Buffer.from(data);
  }

  private valid(page: Buffer): boolean {
    if (page[4] !== 0) return false;
    const crc = page.readUInt32LE(22);
    const copy = Buffer.from(page);
    copy.writeUInt32LE(0, 22);
    return oggCrc(copy) === crc;
  }

  private packets(page: Buffer, lacing: Buffer, bodyAt: number, data: Buffer): void {
    // A page that does not continue a packet drops what was left open (a lost page).
    if ((page[5]! & 0x01) === 0) this.partial = [];
    let at = bodyAt;
    let from = at;
    for (const value of lacing) {
      at += value;
      if (value === 255) continue;
      this.partial.push(data.subarray(from, at));
      const packet = this.partial.length === 1 ? Buffer.from(this.partial[0]!) : Buffer.concat(this.partial);
      this.partial = [];
      this.onPacket(packet);
      from = at;
    }
    if (from < at) this.partial.push(Buffer.from(data.subarray(from, at)));
  }
}
