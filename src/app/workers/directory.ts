/** A stream as the directory names it. */
export interface StreamName {
  vhost: string;
  app: string;
  name: string;
}

/** What the directory asks a publishing worker to do: start or stop relaying a stream to `to`. */
export type RelayOrder = (publisher: number, order: 'relay.open' | 'relay.close', body: StreamName & { to: number }) => void;

const keyOf = ({ vhost, app, name }: StreamName): string => JSON.stringify([vhost, app, name]);

/**
 * The primary's stream directory: which worker publishes each stream (one publisher per stream
 * across the server) and which workers have viewers of it. It tells the publishing worker to
 * relay the stream to each watching worker, once per worker.
 */
export class Directory {
  private readonly claims = new Map<string, { worker: number; session: string; stream: StreamName }>();
  private readonly watchers = new Map<string, Set<number>>();

  constructor(private readonly order: RelayOrder) {}

  /** True when `worker` may publish the stream (free, or already its own). */
  claim(stream: StreamName, worker: number, session: string): boolean {
    const key = keyOf(stream);
    const held = this.claims.get(key);
    if (held) return held.worker === worker;
    this.claims.set(key, { worker, session, stream });
    for (const to of this.watchers.get(key) ?? []) if (to !== worker) this.order(worker, 'relay.open', { ...stream, to });
    return true;
  }

  release(stream: StreamName, worker: number, session: string): void {
    const key = keyOf(stream);
    const held = this.claims.get(key);
    if (held?.worker !== worker || held.session !== session) return;
    this.claims.delete(key);
    for (const to of this.watchers.get(key) ?? []) if (to !== worker) this.order(worker, 'relay.close', { ...stream, to });
  }

  watch(stream: StreamName, worker: number, watching: boolean): void {
    const key = keyOf(stream);
    let set = this.watchers.get(key);
    if (watching) {
      if (!set) this.watchers.set(key, (set = new Set()));
      if (set.has(worker)) return;
      set.add(worker);
    } else {
      if (!set?.delete(worker)) return;
      if (set.size === 0) this.watchers.delete(key);
    }
    const held = this.claims.get(key);
    if (held && held.worker !== worker) this.order(held.worker, watching ? 'relay.open' : 'relay.close', { ...stream, to: worker });
  }

  /** The worker that publishes the stream, if any. */
  publisherOf(stream: StreamName): number | undefined {
    return this.claims.get(keyOf(stream))?.worker;
  }

  /** A worker died: its publishes and viewers are gone (its links closed with it). */
  forget(worker: number): void {
    for (const [key, held] of this.claims) {
      if (held.worker === worker) this.claims.delete(key);
    }
    for (const [key, set] of this.watchers) {
      set.delete(worker);
      if (set.size === 0) this.watchers.delete(key);
    }
  }
}
