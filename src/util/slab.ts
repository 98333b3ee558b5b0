/**
 * Short-lived buffers cut from large slabs: one allocation per slab, where Node's own pool makes
 * one per 8 KiB. A slab is freed once no buffer cut from it is referenced, so it suits buffers
 * dropped soon after use (datagrams once sent), not ones kept for long.
 */
export class Slab {
  private slab = Buffer.alloc(0);
  private used = 0;

  constructor(private readonly size = 64 * 1024) {}

  /** `length` bytes, uninitialized. */
  take(length: number): Buffer {
    if (this.used + length > this.slab.length) {
      this.slab = Buffer.allocUnsafeSlow(Math.max(this.size, length));
      this.used = 0;
    }
    const out = this.slab.subarray(this.used, this.used + length);
    this.used += length;
    return out;
  }
}
