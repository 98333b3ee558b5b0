import { BatchJoiner } from './batch-joiner.js';
import type { StreamReader } from './reader.js';

/**
 * Batches writes: readers with queued frames are flushed together, either right after the
 * current burst of input (window 0) or once per merged-write window. Fewer, larger writes per
 * player are what keeps fan-out cheap: the kernel's per-write cost dominates.
 */
export class FlushScheduler {
  private readonly dirty = new Set<StreamReader>();
  private scheduled: NodeJS.Immediate | NodeJS.Timeout | undefined;

  constructor(private readonly windowMs: number) {}

  mark(reader: StreamReader): void {
    this.dirty.add(reader);
    if (this.scheduled) return;
    this.scheduled =
      this.windowMs > 0 ? setTimeout(this.flushNow, this.windowMs) : setImmediate(this.flushNow);
  }

  forget(reader: StreamReader): void {
    this.dirty.delete(reader);
  }

  readonly flushNow = (): void => {
    this.cancel();
    const batches = new BatchJoiner();
    for (const reader of this.dirty) reader.flush(batches);
    this.dirty.clear();
  };

  stop(): void {
    this.cancel();
    this.dirty.clear();
  }

  private cancel(): void {
    if (this.scheduled === undefined) return;
    if (this.windowMs > 0) clearTimeout(this.scheduled as NodeJS.Timeout);
    else clearImmediate(this.scheduled as NodeJS.Immediate);
    this.scheduled = undefined;
  }
}
