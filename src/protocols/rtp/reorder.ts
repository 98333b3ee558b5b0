import { sequenceDelta, type RtpPacket } from './packet.js';

/** A packet in sequence order; `gap` when packets before it were given up as lost. */
export interface OrderedPacket {
  packet: RtpPacket;
  gap: boolean;
}

/** Packets held while waiting for a missing one; a jump past this many is a new sequence. */
const DEFAULT_WINDOW = 64;
const RESTART_DISTANCE = 3000;

/**
 * Puts RTP packets back in sequence order over UDP's small reorderings. A packet missing while
 * `window` later ones are waiting is taken as lost; late packets and duplicates are dropped.
 */
export class RtpReorder {
  private expected: number | undefined;
  private readonly waiting = new Map<number, RtpPacket>();

  constructor(private readonly window = DEFAULT_WINDOW) {}

  push(packet: RtpPacket): OrderedPacket[] {
    if (this.expected === undefined) this.expected = packet.sequence;
    const delta = sequenceDelta(packet.sequence, this.expected);
    const out: OrderedPacket[] = [];
    if (delta < 0) {
      if (-delta < RESTART_DISTANCE) return out; // late or duplicate
      this.restart(packet.sequence, out);
    } else if (delta >= RESTART_DISTANCE) {
      this.restart(packet.sequence, out);
    }
    if (!this.waiting.has(packet.sequence)) this.waiting.set(packet.sequence, packet);
    this.drain(out, false);
    if (this.waiting.size > this.window) {
      this.expected = this.earliest();
      this.drain(out, true);
    }
    return out;
  }

  /** The sender started over (or jumped far): what is waiting goes out, with a gap. */
  private restart(sequence: number, out: OrderedPacket[]): void {
    while (this.waiting.size > 0) {
      this.expected = this.earliest();
      this.drain(out, true);
    }
    this.expected = sequence;
  }

  private drain(out: OrderedPacket[], gap: boolean): void {
    for (;;) {
      const packet = this.waiting.get(this.expected!);
      if (!packet) return;
      this.waiting.delete(this.expected!);
      out.push({ packet, gap });
      gap = false;
      this.expected = (this.expected! + 1) & 0xffff;
    }
  }

  private earliest(): number {
    let best: number | undefined;
    for (const sequence of this.waiting.keys()) {
      if (best === undefined || sequenceDelta(sequence, best) < 0) best = sequence;
    }
    return best!;
  }
}
