import type { SluiceConfig } from '../config/schema.js';
import type { Gate } from '../gate/types.js';
import type { StreamHub } from '../hub/stream-hub.js';
import type { Logger } from '../util/logger.js';

/** What every protocol server is built with. */
export interface ServerContext {
  readonly config: SluiceConfig;
  readonly hub: StreamHub;
  readonly gate: Gate;
  readonly logger: Logger;
  /** Connections open across all servers, against `max_connections`. */
  readonly connections: ConnectionCounter;
}

/** One taken place against `max_connections`; releasing it again does nothing. */
export interface ConnectionSlot {
  release(): void;
}

export class ConnectionCounter {
  private open = 0;

  constructor(private readonly max: number) {}

  /** Takes a slot; false when the server is full. */
  tryAcquire(): boolean {
    if (this.open >= this.max) return false;
    this.open++;
    return true;
  }

  /**
   * Takes a slot that can only be given back once, so a connection may release it on every
   * path that ends it; undefined when the server is full.
   */
  acquire(): ConnectionSlot | undefined {
    if (!this.tryAcquire()) return undefined;
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        this.release();
      },
    };
  }

  release(): void {
    if (this.open > 0) this.open--;
  }

  get count(): number {
    return this.open;
  }
}
