/** Datagrams protected and sent per turn of the event loop. */
const SLICE = 64;
/**
 * Done entries are cut off the front of the queue once this many have piled up and they are at
 * least half of it, so a long backlog is copied a bounded number of times, not once per 4096 sent.
 */
const COMPACT_AT = 4096;

/** What the pacer hands each packet back to when its turn comes (a session's transport). */
export interface PacedSender {
  flush(packet: Buffer, rtcp: boolean): void;
}

/**
 * The media sends of every session of the server, run a slice at a time, one slice per turn of
 * the event loop. libuv reads at most 32 datagrams from a UDP socket per turn: a frame fanned out
 * to a hundred viewers in one go would leave the receive buffer filling with their consent
 * checks and receiver reports until the kernel drops them. Between slices the socket is read.
 * What waits here counts in each session's pending bytes, so a player the server cannot keep
 * up with skips to the next keyframe like any slow reader. The queue is three parallel arrays,
 * so queueing a packet allocates nothing.
 */
export class SendPacer {
  private senders: PacedSender[] = [];
  private packets: Buffer[] = [];
  private rtcp: boolean[] = [];
  private next = 0;
  private scheduled = false;

  constructor(private readonly onError: (error: unknown) => void) {}

  get queued(): number {
    return this.senders.length - this.next;
  }

  add(sender: PacedSender, packet: Buffer, rtcp: boolean): void {
    this.senders.push(sender);
    this.packets.push(packet);
    this.rtcp.push(rtcp);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.drain);
  }

  private readonly drain = (): void => {
    const end = Math.min(this.next + SLICE, this.senders.length);
    while (this.next < end) {
      const at = this.next++;
      try {
        this.senders[at]!.flush(this.packets[at]!, this.rtcp[at]!);
      } catch (error) {
        this.onError(error);
      }
    }
    if (this.next < this.senders.length) {
      if (this.next >= COMPACT_AT && this.next * 2 >= this.senders.length) {
        this.senders = this.senders.slice(this.next);
        this.packets = this.packets.slice(this.next);
        this.rtcp = this.rtcp.slice(this.next);
        this.next = 0;
      }
      setImmediate(this.drain);
      return;
    }
    this.senders.length = 0;
    this.packets.length = 0;
    this.rtcp.length = 0;
    this.next = 0;
    this.scheduled = false;
  };
}
