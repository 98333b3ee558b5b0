/** A PES packet's timestamps (90 kHz, 33 bits) and payload. */
export interface Pes {
  pts: number;
  dts: number;
  payload: Buffer;
}

/** The largest PES packet kept: a bigger one (a hostile or broken stream) is dropped. */
export const MAX_PES_BYTES = 8 * 1024 * 1024;

/** Why a PES packet was dropped while it was being gathered. */
export type PesDrop = 'too large' | 'malformed';

/**
 * Gathers one PID's PES packet from transport packet payloads. A packet with a declared length
 * is complete when that many bytes are in; an unbounded one (video, PES_packet_length 0) at the
 * next unit start or at the end of the stream.
 */
export class PesAssembler {
  private parts: Buffer[] = [];
  private size = 0;
  /** Bytes the packet declares (header included), or 0 for unbounded. */
  private expected = 0;
  private gathering = false;

  constructor(
    private readonly onPes: (pes: Pes) => void,
    private readonly onDrop: (reason: PesDrop) => void,
  ) {}

  /** Drops the packet being gathered (after a continuity error). */
  reset(): void {
    this.parts = [];
    this.size = 0;
    this.gathering = false;
  }

  push(payload: Buffer, unitStart: boolean): void {
    if (unitStart) {
      this.flush();
      if (payload.length < 6 || payload[0] !== 0 || payload[1] !== 0 || payload[2] !== 1) {
        this.onDrop('malformed');
        return;
      }
      const length = payload.readUInt16BE(4);
      this.expected = length === 0 ? 0 : length + 6;
      this.gathering = true;
    } else if (!this.gathering) {
      return; // the rest of a packet whose start was missed or dropped
    }
    if (this.size + payload.length > MAX_PES_BYTES) {
      this.reset();
      this.onDrop('too large');
      return;
    }
    this.parts.push(payload);
    this.size += payload.length;
    if (this.expected > 0 && this.size >= this.expected) this.flush();
  }

  /** Hands over the packet gathered so far, if any (at a unit start or the end of the stream). */
  flush(): void {
    if (!this.gathering) return;
    const data = Buffer.concat(this.parts, this.size);
    const expected = this.expected;
    this.reset();
    const pes = parsePes(expected > 0 ? data.subarray(0, expected) : data);
    if (pes) this.onPes(pes);
    else this.onDrop('malformed');
  }
}

/** The decode time of the PES packet that starts in `payload`, if its header is all there. */
export function pesDecodeTime(payload: Buffer): number | undefined {
  return parsePes(payload)?.dts;
}

/** Reads the PES header (13818-1 2.4.3.6); undefined when it is cut short or has no PTS. */
function parsePes(data: Buffer): Pes | undefined {
  if (data.length < 9) return undefined;
  const flags = data[7]! >> 6;
  const payloadAt = 9 + data[8]!;
  if (payloadAt > data.length || flags < 2 || data.length < (flags === 3 ? 19 : 14)) return undefined;
  const pts = readTimestamp(data, 9);
  const dts = flags === 3 ? readTimestamp(data, 14) : pts;
  return { pts, dts, payload: data.subarray(payloadAt) };
}

/** A 33-bit PTS or DTS from its 5-byte layout with marker bits (13818-1 2.4.3.7). */
function readTimestamp(b: Buffer, at: number): number {
  return ((b[at]! >> 1) & 0x07) * 2 ** 30 + (b.readUInt16BE(at + 1) >> 1) * 2 ** 15 + (b.readUInt16BE(at + 3) >> 1);
}
