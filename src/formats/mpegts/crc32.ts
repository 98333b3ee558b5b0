/**
 * CRC-32 over polynomial 0x04C11DB7, MSB first, no final XOR: MPEG-2 (ISO/IEC 13818-1 Annex A)
 * starts from 0xFFFFFFFF, Ogg (RFC 3533) from 0.
 */
const TABLE = buildTable();

function buildTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let bit = 0; bit < 8; bit++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    table[i] = c >>> 0;
  }
  return table;
}

export function crc32MsbFirst(data: Uint8Array, initial: number, start = 0, end = data.length): number {
  let crc = initial >>> 0;
  for (let i = start; i < end; i++) crc = ((crc << 8) ^ TABLE[((crc >>> 24) ^ data[i]!) & 0xff]!) >>> 0;
  return crc >>> 0;
}

export function crc32Mpeg(data: Uint8Array, start = 0, end = data.length): number {
  return crc32MsbFirst(data, 0xffffffff, start, end);
}
