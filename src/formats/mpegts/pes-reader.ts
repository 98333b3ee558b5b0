/** A PES packet's timestamps (90 kHz, 33 bits) and payload. */
export interface Pes {
  pts: number;
  dts: number;
  /** Valid only while `onPes` runs: the assembler gathers the next packet into the same memory. */
  payload: Buffer;
}

/** The largest PES packet kept: a bigger one (a hostile or broken stream) is dropped. */
export const MAX_PES_BYTES = 8 * 1024 * 1024;
/** The gathering buffer's first size; it doubles as larger packets come, up to MAX_PES_BYTES. */
const FIRST_BUFFER_BYTES = 16 * 1024;

/** Why a PES packet was dropped while it was being gathered. */
export type PesDrop = 'too large' | 'malformed';

/**
 * Gathers one PID's PES packet from transport packet payloads, copied as they come into one
 * buffer that the next packet reuses: no view per transport packet, no join per PES. A packet
 * with a declared length is complete when that many bytes are in; an unbounded one (video,
 * PES_packet_length 0) at the next unit start or at the end of the stream.
 */
export class PesAssembler {
  private buffer = Buffer.allocUnsafe(0);
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
    this.size = 0;
    this.gathering = false;
  }

  /** The transport packet payload at `start..end` of `data`. */
  push(data: Buffer, start: number, end: number, unitStart: boolean): void {
    const length = end - start;
    if (unitStart) {
      this.flush();
      if (length < 6 || data[start] !== 0 || data[start + 1] !== 0 || data[start + 2] !== 1) {
        this.onDrop('malformed');
        return;
      }
      const declared = data.readUInt16BE(start + 4);
      this.expected = declared === 0 ? 0 : declared + 6;
      this.gathering = true;
    } else if (!this.gathering) {
      return; // the rest of a packet whose start was missed or dropped
    }
    if (this.size + length > MAX_PES_BYTES) {
      this.reset();
      this.onDrop('too large');
      return;
    }
    if (this.size + length > this.buffer.length) this.grow(this.size + length);
    data.copy(this.buffer, this.size, start, end);
    this.size += length;
    if (this.expected > 0 && this.size >= this.expected) this.flush();
  }

  /** Hands over the packet gathered so far, if any (at a unit start or the end of the stream). */
  flush(): void {
    if (!this.gathering) return;
    const length = this.expected > 0 ? Math.min(this.expected, this.size) : this.size;
    this.reset();
    const pes = parsePes(this.buffer.subarray(0, length));
    if (pes) this.onPes(pes);
    else this.onDrop('malformed');
  }

  private grow(needed: number): void {
    const bigger = Buffer.allocUnsafe(Math.min(MAX_PES_BYTES, Math.max(needed, FIRST_BUFFER_BYTES, this.buffer.length * 2)));
    this.buffer.copy(bigger, 0, 0, this.size);
    this.buffer = bigger;
  }
}

/** The decode time of the PES packet that starts at `start..end` of `data`, if its header is all there. */
export function pesDecodeTime(data: Buffer, start: number, end: number): number | undefined {
  const flags = timestampFlags(data, start, end);
  if (flags === 0) return undefined;
  return readTimestamp(data, start + (flags === 3 ? 14 : 9));
}

/** Reads the PES header (13818-1 2.4.3.6); undefined when it is cut short or has no PTS. */
function parsePes(data: Buffer): Pes | undefined {
  const flags = timestampFlags(data, 0, data.length);
  if (flags === 0) return undefined;
  const pts = readTimestamp(data, 9);
  const dts = flags === 3 ? readTimestamp(data, 14) : pts;
  return { pts, dts, payload: data.subarray(9 + data[8]!) };
}

/** PTS_DTS_flags of a whole PES header at `start`: 2 (PTS), 3 (PTS and DTS), or 0 (none, or cut short). */
function timestampFlags(data: Buffer, start: number, end: number): number {
  const length = end - start;
  if (length < 9) return 0;
  const flags = data[start + 7]! >> 6;
  if (9 + data[start + 8]! > length || flags < 2 || length < (flags === 3 ? 19 : 14)) return 0;
  return flags;
}

/** A 33-bit PTS or DTS from its 5-byte layout with marker bits (13818-1 2.4.3.7). */
function readTimestamp(b: Buffer, at: number): number {
  return ((b[at]! >> 1) & 0x07) * 2 ** 30 + (b.readUInt16BE(at + 1) >> 1) * 2 ** 15 + (b.readUInt16BE(at + 3) >> 1);
}
