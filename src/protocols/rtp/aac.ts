import { ProtocolError } from '../../util/errors.js';
import { BitReader } from '../../codecs/bitreader.js';
import { timestampDelta, type RtpPacket } from './packet.js';
import type { RtpPayload } from './nal-units.js';

/** AAC-hbr (RFC 3640 3.3.6): 13-bit AU sizes, 3-bit indexes, one AU-headers-length before them. */
export interface AacHbrParams {
  sizeLength: number;
  indexLength: number;
  indexDeltaLength: number;
}

export const AAC_HBR: AacHbrParams = { sizeLength: 13, indexLength: 3, indexDeltaLength: 3 };

/** Samples per AAC access unit (frameLengthFlag 0). */
export const AAC_FRAME_SAMPLES = 1024;
const MAX_AU_BYTES = (1 << 13) - 1;

/** One AU per packet; an AU larger than `maxPayload` is fragmented (the header keeps its full size). */
export function packetizeAac(au: Buffer, maxPayload: number): RtpPayload[] {
  if (au.length > MAX_AU_BYTES) throw new ProtocolError(`AAC frame of ${au.length} bytes is too large for AAC-hbr`);
  const header = Buffer.from([0x00, 0x10, au.length >> 5, (au.length & 0x1f) << 3]);
  const room = maxPayload - header.length;
  const out: RtpPayload[] = [];
  for (let at = 0; at < au.length || at === 0; at += room) {
    out.push({ payload: Buffer.concat([header, au.subarray(at, at + room)]), marker: at + room >= au.length });
  }
  return out;
}

export interface AudioUnit {
  data: Buffer;
  timestamp: number;
}

/** Rebuilds AAC access units; a fragmented AU with a gap is dropped. */
export class AacDepacketizer {
  private fragments: Buffer[] | undefined;
  private fragmentSize = 0;
  private fragmentTimestamp = 0;

  constructor(private readonly params: AacHbrParams = AAC_HBR) {}

  push(packet: RtpPacket, gap: boolean): AudioUnit[] {
    if (gap || (this.fragments && timestampDelta(packet.timestamp, this.fragmentTimestamp) !== 0)) this.fragments = undefined;
    const { payload } = packet;
    if (payload.length < 2) throw new ProtocolError('truncated AAC RTP payload');
    const headerBits = payload.readUInt16BE(0);
    const headerBytes = Math.ceil(headerBits / 8);
    if (2 + headerBytes > payload.length) throw new ProtocolError('AAC AU headers overrun the packet');
    const sizes = this.sizes(payload.subarray(2, 2 + headerBytes), headerBits);
    let at = 2 + headerBytes;
    if (this.fragments) return this.continueFragment(payload.subarray(at), packet);
    const units: AudioUnit[] = [];
    for (const [i, size] of sizes.entries()) {
      const data = payload.subarray(at, at + size);
      if (data.length < size) {
        if (sizes.length !== 1) throw new ProtocolError(`AAC AU of ${size} bytes overruns the packet`);
        this.fragments = [Buffer.from(data)];
        this.fragmentSize = size;
        this.fragmentTimestamp = packet.timestamp;
        return units;
      }
      units.push({ data: Buffer.from(data), timestamp: (packet.timestamp + i * AAC_FRAME_SAMPLES) >>> 0 });
      at += size;
    }
    return units;
  }

  private continueFragment(data: Buffer, packet: RtpPacket): AudioUnit[] {
    const fragments = this.fragments!;
    fragments.push(Buffer.from(data));
    const have = fragments.reduce((sum, part) => sum + part.length, 0);
    if (have < this.fragmentSize && !packet.marker) return [];
    this.fragments = undefined;
    if (have !== this.fragmentSize) return [];
    return [{ data: Buffer.concat(fragments), timestamp: this.fragmentTimestamp }];
  }

  private sizes(headers: Buffer, bits: number): number[] {
    const { sizeLength, indexLength, indexDeltaLength } = this.params;
    const reader = new BitReader(headers);
    const sizes: number[] = [];
    let used = 0;
    while (used + sizeLength <= bits) {
      sizes.push(reader.bits(sizeLength));
      const index = sizes.length === 1 ? indexLength : indexDeltaLength;
      reader.bits(index);
      used += sizeLength + index;
    }
    if (sizes.length === 0) throw new ProtocolError('AAC RTP payload without AU headers');
    return sizes;
  }
}
