/**
 * Batches writes: once something is queued, the stream is flushed either right after the
 * current burst of input (window 0) or once per merged-write window. Fewer, larger writes per
 * player are what keeps fan-out cheap: the kernel's per-write cost dominates.
 */
export class FlushScheduler {
  private scheduled: NodeJS.Immediate | NodeJS.Timeout | undefined;

  constructor(
    private readonly windowMs: number,
    private readonly flush: () => void,
  ) {}

  /** Something is waiting to be written: flush at the end of the window. */
  mark(): void {
    if (this.scheduled) return;
    this.scheduled = this.windowMs > 0 ? setTimeout(this.run, this.windowMs) : setImmediate(this.run);
  }

  cancel(): void {
    if (this.scheduled === undefined) return;
    if (this.windowMs > 0) clearTimeout(this.scheduled as NodeJS.Timeout);
    else clearImmediate(this.scheduled as NodeJS.Immediate);
    this.scheduled = undefined;
  }

  private readonly run = (): void => {
    this.scheduled = undefined;
    this.flush();
  };
}
