import { ProtocolError } from '../util/errors.js';

/**
 * MSB-first bit reader with Exp-Golomb codes, as used by H.264/H.265 parameter sets and AV1
 * headers. Every read past the end throws ProtocolError.
 */
export class BitReader {
  private bitPos = 0;

  constructor(private readonly data: Uint8Array) {}

  get bitsLeft(): number {
    return this.data.length * 8 - this.bitPos;
  }

  bit(): number {
    if (this.bitPos >= this.data.length * 8) throw new ProtocolError('truncated bitstream');
    const byte = this.data[this.bitPos >> 3]!;
    const bit = (byte >> (7 - (this.bitPos & 7))) & 1;
    this.bitPos++;
    return bit;
  }

  /** Reads `n` (0..32) bits as an unsigned number. */
  bits(n: number): number {
    if (n > this.bitsLeft) throw new ProtocolError(`truncated bitstream: need ${n} bits`);
    let value = 0;
    // Multiply rather than shift so 32-bit values stay unsigned.
    for (let i = 0; i < n; i++) value = value * 2 + this.bit();
    return value;
  }

  skip(n: number): void {
    if (n > this.bitsLeft) throw new ProtocolError(`truncated bitstream: skip ${n} bits`);
    this.bitPos += n;
  }

  flag(): boolean {
    return this.bit() === 1;
  }

  /** Unsigned Exp-Golomb, ue(v). */
  ue(): number {
    let zeros = 0;
    while (this.bit() === 0) {
      if (++zeros > 31) throw new ProtocolError('Exp-Golomb code longer than 32 bits');
    }
    return 2 ** zeros - 1 + this.bits(zeros);
  }

  /** Signed Exp-Golomb, se(v): 1, -1, 2, -2, ... */
  se(): number {
    const k = this.ue();
    return k % 2 === 1 ? (k + 1) / 2 : 0 - k / 2; // 0 - x, not -x: se(0) must be +0
  }
}

/**
 * Turns a NAL unit's payload into its RBSP by dropping emulation-prevention bytes
 * (the 0x03 in every 0x00 0x00 0x03 sequence).
 */
export function unescapeRbsp(nal: Uint8Array): Uint8Array {
  if (nal.indexOf(3) < 0) return nal;
  const out = new Uint8Array(nal.length);
  let length = 0;
  let zeros = 0;
  for (const byte of nal) {
    if (zeros >= 2 && byte === 3) {
      zeros = 0;
      continue;
    }
    zeros = byte === 0 ? zeros + 1 : 0;
    out[length++] = byte;
  }
  return out.subarray(0, length);
}
