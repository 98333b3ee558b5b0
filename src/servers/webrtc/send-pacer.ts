/** Datagrams protected and sent per turn of the event loop. */
const SLICE = 64;
/** Done jobs are cut off the front of the queue once this many have piled up. */
const COMPACT_AT = 4096;

/**
 * The media sends of every session of the server, run a slice at a time, one slice per turn of
 * the event loop. libuv reads at most 32 datagrams from a UDP socket per turn: a frame fanned out
 * to a hundred viewers in one go would leave the receive buffer filling with their consent
 * checks and receiver reports until the kernel drops them. Between slices the socket is read.
 * What waits here counts in each session's pending bytes, so a player the server cannot keep
 * up with skips to the next keyframe like any slow reader.
 */
export class SendPacer {
  private jobs: Array<() => void> = [];
  private next = 0;
  private scheduled = false;

  constructor(private readonly onError: (error: unknown) => void) {}

  get queued(): number {
    return this.jobs.length - this.next;
  }

  add(job: () => void): void {
    this.jobs.push(job);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.drain);
  }

  private readonly drain = (): void => {
    const end = Math.min(this.next + SLICE, this.jobs.length);
    while (this.next < end) {
      const job = this.jobs[this.next++]!;
      try {
        job();
      } catch (error) {
        this.onError(error);
      }
    }
    if (this.next < this.jobs.length) {
      if (this.next >= COMPACT_AT) {
        this.jobs = this.jobs.slice(this.next);
        this.next = 0;
      }
      setImmediate(this.drain);
      return;
    }
    this.jobs = [];
    this.next = 0;
    this.scheduled = false;
  };
}
