import { ProtocolError } from './errors.js';

/** Bounds-checked cursor over a Buffer; every read past the end throws ProtocolError. */
export class ByteReader {
  offset: number;

  constructor(
    readonly buffer: Buffer,
    offset = 0,
  ) {
    this.offset = offset;
  }

  get remaining(): number {
    return this.buffer.length - this.offset;
  }

  private need(n: number, what: string): void {
    if (this.offset + n > this.buffer.length) {
      throw new ProtocolError(`truncated ${what}: need ${n} bytes, have ${this.remaining}`);
    }
  }

  u8(): number {
    this.need(1, 'u8');
    return this.buffer[this.offset++]!;
  }

  u16(): number {
    this.need(2, 'u16');
    const v = this.buffer.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  u24(): number {
    this.need(3, 'u24');
    const v = this.buffer.readUIntBE(this.offset, 3);
    this.offset += 3;
    return v;
  }

  u32(): number {
    this.need(4, 'u32');
    const v = this.buffer.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  i24(): number {
    this.need(3, 'i24');
    const v = this.buffer.readIntBE(this.offset, 3);
    this.offset += 3;
    return v;
  }

  f64(): number {
    this.need(8, 'f64');
    const v = this.buffer.readDoubleBE(this.offset);
    this.offset += 8;
    return v;
  }

  bytes(n: number): Buffer {
    this.need(n, 'bytes');
    const v = this.buffer.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }

  /** `n` bytes as UTF-8 text, without a Buffer view in between. */
  utf8(n: number): string {
    this.need(n, 'bytes');
    const v = this.buffer.toString('utf8', this.offset, this.offset + n);
    this.offset += n;
    return v;
  }

  skip(n: number): void {
    this.need(n, 'skip');
    this.offset += n;
  }
}

/** Big-endian writer that grows as needed; `finish()` returns a view of what was written. */
export class ByteWriter {
  private buffer: Buffer;
  private length = 0;

  constructor(initialSize = 256) {
    this.buffer = Buffer.allocUnsafe(initialSize);
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buffer.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + n));
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }

  u8(v: number): this {
    this.reserve(1);
    this.buffer[this.length++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.reserve(2);
    this.buffer.writeUInt16BE(v & 0xffff, this.length);
    this.length += 2;
    return this;
  }

  u24(v: number): this {
    this.reserve(3);
    this.buffer.writeUIntBE(v & 0xffffff, this.length, 3);
    this.length += 3;
    return this;
  }

  u32(v: number): this {
    this.reserve(4);
    this.buffer.writeUInt32BE(v >>> 0, this.length);
    this.length += 4;
    return this;
  }

  f64(v: number): this {
    this.reserve(8);
    this.buffer.writeDoubleBE(v, this.length);
    this.length += 8;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.reserve(b.length);
    this.buffer.set(b, this.length);
    this.length += b.length;
    return this;
  }

  /** Writes `value` as UTF-8; `byteLength` is `Buffer.byteLength(value)`. */
  utf8(value: string, byteLength: number): this {
    this.reserve(byteLength);
    this.length += this.buffer.write(value, this.length, 'utf8');
    return this;
  }

  finish(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}
