import { SYNC_BYTE, TIMESTAMP_WRAP, TS_PACKET_SIZE } from './constants.js';
import type { TsBuffer } from './ts-buffer.js';

/** How one PES packet is carried. Timestamps are 90 kHz ticks below 2^33. */
export interface PesOptions {
  pid: number;
  streamId: number;
  /** First continuity counter to use; the caller advances it by the packets written. */
  cc: number;
  pts: number;
  /** Decode time; omitted from the header when equal to `pts`. */
  dts: number;
  /** Program clock reference to write in the first packet, if this PID carries the PCR. */
  pcr?: number;
  /** Marks a random access point (a video keyframe). */
  randomAccess: boolean;
  /** Writes PES_packet_length 0 ("unbounded"), which only video may use. */
  unbounded: boolean;
}

const TS_HEADER = 4;
const TS_PAYLOAD = TS_PACKET_SIZE - TS_HEADER;
const PCR_FIELD = 8; // adaptation_field_length, flags, 6 bytes of PCR
const FLAGS_FIELD = 2; // adaptation_field_length, flags

/** Chunks this short are copied byte by byte: cheaper than a call (start codes, AUDs, ADTS headers). */
const SHORT_COPY = 16;

/**
 * Packs one PES packet (header + the payload chunks) into transport packets at the end of `out`,
 * written in place. The last packet is padded with adaptation-field stuffing, as the standard
 * requires. Returns the number of packets.
 */
export function packetizePes(options: PesOptions, payload: readonly Buffer[], out: TsBuffer): number {
  const withDts = options.dts !== options.pts;
  const headerLength = 9 + (withDts ? 10 : 5);
  let payloadLength = 0;
  for (const chunk of payload) payloadLength += chunk.length;
  const pesLength = headerLength + payloadLength;

  const firstAdaptation = options.pcr !== undefined ? PCR_FIELD : options.randomAccess ? FLAGS_FIELD : 0;
  const firstCapacity = TS_PAYLOAD - firstAdaptation;
  const count = pesLength <= firstCapacity ? 1 : 1 + Math.ceil((pesLength - firstCapacity) / TS_PAYLOAD);
  const start = out.reserve(count * TS_PACKET_SIZE);
  const buf = out.buffer;

  // The payload goes whole to the end of the room first, then each packet moves its share
  // forward (never past bytes not yet moved, as headers only ever take room before them):
  // two native copies, with no call or view per packet and chunk.
  let from = start + count * TS_PACKET_SIZE - payloadLength;
  let at = from;
  for (const chunk of payload) {
    if (chunk.length <= SHORT_COPY) for (let k = 0; k < chunk.length; k++) buf[at + k] = chunk[k]!;
    else buf.set(chunk, at);
    at += chunk.length;
  }

  let left = pesLength;
  for (let i = 0; i < count; i++) {
    const first = i === 0;
    const packet = start + i * TS_PACKET_SIZE;
    const size = Math.min(left, first ? firstCapacity : TS_PAYLOAD);
    const adaptation = TS_PAYLOAD - size;
    buf[packet] = SYNC_BYTE;
    buf[packet + 1] = (first ? 0x40 : 0) | (options.pid >> 8);
    buf[packet + 2] = options.pid & 0xff;
    buf[packet + 3] = (adaptation > 0 ? 0x30 : 0x10) | ((options.cc + i) & 0x0f);
    if (adaptation > 0) writeAdaptation(buf, packet + TS_HEADER, adaptation, first ? options : undefined);

    let pos = packet + TS_HEADER + adaptation;
    let room = size;
    if (first) {
      writePesHeader(buf, pos, options, withDts, pesLength);
      pos += headerLength;
      room -= headerLength;
    }
    if (pos !== from) buf.copyWithin(pos, from, from + room);
    from += room;
    left -= size;
  }
  return count;
}

/** An adaptation field of `total` bytes: flags (PCR, random access) in the first packet, then stuffing. */
function writeAdaptation(out: Buffer, at: number, total: number, first: PesOptions | undefined): void {
  out[at] = total - 1; // adaptation_field_length
  if (total === 1) return;
  let flags = 0;
  if (first?.randomAccess) flags |= 0x40;
  if (first?.pcr !== undefined) flags |= 0x10;
  out[at + 1] = flags;
  let pos = at + 2;
  if (first?.pcr !== undefined) {
    writePcr(out, pos, first.pcr);
    pos += 6;
  }
  out.fill(0xff, pos, at + total);
}

function writePesHeader(out: Buffer, at: number, options: PesOptions, withDts: boolean, pesLength: number): void {
  out[at] = 0;
  out[at + 1] = 0;
  out[at + 2] = 1;
  out[at + 3] = options.streamId;
  const length = pesLength - 6; // bytes after PES_packet_length
  out.writeUInt16BE(options.unbounded || length > 0xffff ? 0 : length, at + 4);
  out[at + 6] = 0x80; // '10', not scrambled, no priority/alignment/copyright flags
  out[at + 7] = withDts ? 0xc0 : 0x80; // PTS_DTS_flags
  out[at + 8] = withDts ? 10 : 5; // PES_header_data_length
  writeTimestamp(out, at + 9, withDts ? 0x3 : 0x2, options.pts);
  if (withDts) writeTimestamp(out, at + 14, 0x1, options.dts);
}

/** A 33-bit PTS or DTS in the 5-byte layout with marker bits (13818-1 2.4.3.7). */
export function writeTimestamp(out: Buffer, at: number, prefix: number, ticks: number): void {
  const t = ticks % TIMESTAMP_WRAP;
  const high = Math.floor(t / 2 ** 30) & 0x07;
  const middle = Math.floor(t / 2 ** 15) & 0x7fff;
  const low = t % 2 ** 15;
  out[at] = (prefix << 4) | (high << 1) | 1;
  out.writeUInt16BE((middle << 1) | 1, at + 1);
  out.writeUInt16BE((low << 1) | 1, at + 3);
}

/** program_clock_reference: 33-bit base, 6 reserved bits, 9-bit extension (0). */
function writePcr(out: Buffer, at: number, ticks: number): void {
  const base = ticks % TIMESTAMP_WRAP;
  out[at] = Math.floor(base / 2 ** 25) & 0xff;
  out[at + 1] = Math.floor(base / 2 ** 17) & 0xff;
  out[at + 2] = Math.floor(base / 2 ** 9) & 0xff;
  out[at + 3] = Math.floor(base / 2) & 0xff;
  out[at + 4] = ((base % 2) << 7) | 0x7e;
  out[at + 5] = 0;
}
