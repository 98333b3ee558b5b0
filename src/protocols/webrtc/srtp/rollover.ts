/**
 * The rollover counter of one SSRC (RFC 3711 3.3.1, Appendix A): turns 16-bit sequence numbers
 * into 48-bit packet indices, guessing the ROC of late or early packets around a wrap.
 */
export class RolloverCounter {
  private roc = 0;
  private highestSequence = -1;

  /** The packet index this sequence number most likely has; does not change state. */
  estimate(sequence: number): number {
    if (this.highestSequence < 0) return sequence;
    let v = this.roc;
    if (this.highestSequence < 0x8000) {
      if (sequence - this.highestSequence > 0x8000) v = this.roc - 1;
    } else if (this.highestSequence - 0x8000 > sequence) {
      v = this.roc + 1;
    }
    return v < 0 ? sequence : v * 0x10000 + sequence;
  }

  /** Accepts an index as the packet's (after authentication): moves forward when it is newer. */
  update(index: number): void {
    const roc = Math.floor(index / 0x10000);
    const sequence = index % 0x10000;
    if (this.highestSequence < 0 || roc > this.roc || (roc === this.roc && sequence > this.highestSequence)) {
      this.roc = roc;
      this.highestSequence = sequence;
    }
  }
}
