/** How often a missing packet is asked for again, how many times, and for how long at most. */
const RETRY_MS = 40;
const MAX_TRIES = 10;
const GIVE_UP_MS = 1000;
const MAX_MISSING = 512;

interface Missing {
  since: number;
  askedAt: number;
  tries: number;
}

/** Sequence numbers a publisher has not delivered yet, and when to NACK each again. */
export class NackList {
  private readonly list = new Map<number, Missing>();

  missing(sequence: number, now: number): void {
    if (this.list.size >= MAX_MISSING) return;
    this.list.set(sequence, { since: now, askedAt: -Infinity, tries: 0 });
  }

  received(sequence: number): void {
    this.list.delete(sequence);
  }

  /** The sequence numbers to NACK now; those asked for too long are given up. */
  due(now: number): number[] {
    const out: number[] = [];
    for (const [sequence, entry] of this.list) {
      if (entry.tries >= MAX_TRIES || now - entry.since > GIVE_UP_MS) {
        this.list.delete(sequence);
        continue;
      }
      if (now - entry.askedAt < RETRY_MS) continue;
      entry.askedAt = now;
      entry.tries++;
      out.push(sequence);
    }
    return out;
  }
}
