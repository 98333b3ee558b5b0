import type { ConfigSource } from '../config/source.js';
import type { Gate } from '../gate/types.js';
import type { Stream } from '../hub/stream.js';
import type { StreamHub } from '../hub/stream-hub.js';
import type { Logger } from '../util/logger.js';
import type { SluiceConfig } from '../config/schema.js';
import type { SessionTracker } from './sessions.js';

/** The budget of connections not yet admitted to publish or play: half of all by default, so a burst of arrivals still fits. */
export function maxPendingConnections(config: SluiceConfig): number {
  return config.max_pending_connections ?? Math.max(1, Math.floor(config.max_connections / 2));
}

/** What every protocol server is built with. */
export interface ServerContext {
  /** Read when a session starts: a reload applies to sessions that start afterwards. */
  readonly config: ConfigSource;
  readonly hub: StreamHub;
  readonly gate: Gate;
  readonly logger: Logger;
  /** Connections open across all servers, against `max_connections`. */
  readonly connections: ConnectionCounter;
  /**
   * Connections of any protocol not yet admitted to publish or play (handshaking, or waiting for
   * the gate), against `max_pending_connections`.
   */
  readonly pending: ConnectionCounter;
  /** Where admitted sessions are registered for the API (and kicked from). */
  readonly sessions: SessionTracker;
  /** Acts on a gate admission's `relayTo` / `pullFrom` (notify 3xx); without it they are ignored. */
  readonly relays?: AdmissionRelays;
}

/** What the relays do for an admitted session: the gate only names the URL, it calls no relay itself. */
export interface AdmissionRelays {
  /** Pushes the stream to `url` as well, until its publisher leaves. */
  relayTo(stream: Stream, url: string): void;
  /** Pulls `url` into vhost/app/name for a player; the pull stops when every such player has released it. */
  pullFor(vhost: string, app: string, name: string, url: string): () => void;
}

/** One taken place against `max_connections`; releasing it again does nothing. */
export interface ConnectionSlot {
  release(): void;
}

export class ConnectionCounter {
  private open = 0;
  /** Under workers: the connections the other workers hold, as the primary last told. */
  elsewhere = 0;
  /** Told this counter's count at each change (a worker reports it to the primary). */
  onChange: ((count: number) => void) | undefined;

  /** `max` is asked at each acquire, so a reloaded limit applies to the next connection. */
  constructor(private readonly max: () => number) {}

  /**
   * Takes a slot that can only be given back once, so a connection may release it on every
   * path that ends it; undefined when the server is full.
   */
  acquire(): ConnectionSlot | undefined {
    if (this.open + this.elsewhere >= this.max()) return undefined;
    this.open++;
    this.onChange?.(this.open);
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        this.open--;
        this.onChange?.(this.open);
      },
    };
  }

  get count(): number {
    return this.open;
  }
}
