/** One Opus packet from an MPEG-TS Opus access unit. */
export interface OpusUnit {
  packet: Buffer;
  /** Offset just past the access unit. */
  end: number;
}

const CONTROL_PREFIX = 0x7fe0; // 11 bits of 1: control_header_prefix
const START_TRIM = 0x10;
const END_TRIM = 0x08;
const CONTROL_EXTENSION = 0x04;

/**
 * Reads the Opus access unit at `offset` (the ETSI mapping of Opus into MPEG-2 TS, 0.1.3): the
 * control header with its au_size and optional trims and extension, then the packet.
 * Undefined when there is no control header or the unit is cut short.
 */
export function readOpusAccessUnit(data: Buffer, offset: number): OpusUnit | undefined {
  let at = offset;
  if (at + 2 > data.length || (data.readUInt16BE(at) & 0xffe0) !== CONTROL_PREFIX) return undefined;
  const flags = data[at + 1]!;
  at += 2;
  let size = 0;
  for (;;) {
    if (at >= data.length) return undefined;
    const byte = data[at++]!;
    size += byte;
    if (byte !== 0xff) break;
  }
  if (flags & START_TRIM) at += 2;
  if (flags & END_TRIM) at += 2;
  if (flags & CONTROL_EXTENSION) at += 1 + (data[at] ?? 0);
  if (at + size > data.length) return undefined;
  return { packet: data.subarray(at, at + size), end: at + size };
}
