/**
 * The primary's tally of every worker's connections, for `max_connections`: each worker is told
 * how many the others hold, and refuses a connection when its own and theirs reach the limit.
 * Reports that arrive together are passed on once.
 */
export class ConnectionTotals {
  private readonly counts = new Map<number, number>();
  private readonly told = new Map<number, number>();
  private scheduled = false;

  constructor(
    private readonly tell: (worker: number, elsewhere: number) => void,
    private readonly workers: () => number[],
  ) {}

  report(worker: number, count: number): void {
    this.counts.set(worker, count);
    this.schedule();
  }

  /** A worker (re)started: it is told what the others hold. */
  joined(): void {
    this.schedule();
  }

  /** A worker died: its connections are gone. */
  forget(worker: number): void {
    this.counts.delete(worker);
    this.told.delete(worker);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    let total = 0;
    for (const count of this.counts.values()) total += count;
    for (const worker of this.workers()) {
      const elsewhere = total - (this.counts.get(worker) ?? 0);
      if (this.told.get(worker) === elsewhere) continue;
      this.told.set(worker, elsewhere);
      this.tell(worker, elsewhere);
    }
  }
}
