/**
 * Transport packets written in place into one growing buffer: a whole segment ends up in a
 * single allocation, written to disk as it is, instead of one buffer per PES joined at the end.
 */
export class TsBuffer {
  private buf: Buffer;
  private used = 0;

  /** @param capacity bytes to start with; it doubles (at least) when full */
  constructor(capacity = 0) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  get length(): number {
    return this.used;
  }

  /** Where `reserve` puts bytes: the buffer may change on the next call, so it is not to be kept. */
  get buffer(): Buffer {
    return this.buf;
  }

  /** The bytes written so far (a view: valid until the next `reserve`). */
  get bytes(): Buffer {
    return this.buf.subarray(0, this.used);
  }

  /** Makes room for `bytes` more at the end of `buffer`; returns where they start. */
  reserve(bytes: number): number {
    const at = this.used;
    const need = at + bytes;
    if (need > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
      this.buf.copy(grown, 0, 0, at);
      this.buf = grown;
    }
    this.used = need;
    return at;
  }

  /** Starts again from empty, keeping the room (for a buffer whose bytes are no longer read). */
  clear(): void {
    this.used = 0;
  }

  append(bytes: Uint8Array): void {
    const at = this.reserve(bytes.length);
    this.buf.set(bytes, at);
  }
}
