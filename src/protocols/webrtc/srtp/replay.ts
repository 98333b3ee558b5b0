/**
 * Replay protection over packet indices (RFC 3711 3.3.2): accepts each index once, and nothing
 * older than `size` behind the highest seen.
 */
export class ReplayWindow {
  private highest = -1;
  private readonly seen: Uint8Array;

  constructor(readonly size = 1024) {
    this.seen = new Uint8Array(size);
  }

  /** True when `index` is new and inside the window; does not record it. */
  accepts(index: number): boolean {
    if (index > this.highest) return true;
    if (this.highest - index >= this.size) return false;
    return this.seen[index % this.size] === 0;
  }

  /** Records `index` as received (call only after the packet authenticated). */
  record(index: number): void {
    if (index > this.highest) {
      const clear = Math.min(index - this.highest, this.size);
      for (let i = 1; i <= clear; i++) this.seen[(index - clear + i) % this.size] = 0;
      this.highest = index;
    }
    this.seen[index % this.size] = 1;
  }
}
