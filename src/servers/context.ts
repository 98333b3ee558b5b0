import type { SluiceConfig } from '../config/schema.js';
import type { Gate } from '../gate/types.js';
import type { StreamHub } from '../hub/stream-hub.js';
import type { Logger } from '../util/logger.js';
import type { SessionTracker } from './sessions.js';

/** What every protocol server is built with. */
export interface ServerContext {
  readonly config: SluiceConfig;
  readonly hub: StreamHub;
  readonly gate: Gate;
  readonly logger: Logger;
  /** Connections open across all servers, against `max_connections`. */
  readonly connections: ConnectionCounter;
  /** Where admitted sessions are registered for the API (and kicked from). */
  readonly sessions: SessionTracker;
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

  release(): void {
    if (this.open > 0) this.open--;
  }

  get count(): number {
    return this.open;
  }
}
