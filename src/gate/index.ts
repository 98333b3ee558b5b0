import type { SluiceConfig } from '../config/schema.js';
import type { Logger } from '../util/logger.js';
import { checkName } from './names.js';
import type { Admission, ClientSession, Gate } from './types.js';

export type { Admission, ClientSession, Gate, PlayOptions, Protocol } from './types.js';

export interface GateOptions {
  config: SluiceConfig;
  logger: Logger;
}

/** The gate and what it holds open (callback pools, the outbox), closed at shutdown. */
export interface ManagedGate extends Gate {
  close(): Promise<void>;
}

/** Builds the server's one gate from the configuration. */
export function createGate(options: GateOptions): ManagedGate {
  return new NameCheckingGate(options.logger);
}

/** Refuses unsafe names; allows everything else. */
class NameCheckingGate implements ManagedGate {
  constructor(private readonly logger: Logger) {}

  async connect(session: ClientSession): Promise<void> {
    checkName('app', session.app);
  }

  async publish(session: ClientSession): Promise<Admission> {
    checkStreamNames(session);
    return {};
  }

  async play(session: ClientSession): Promise<Admission> {
    checkStreamNames(session);
    return {};
  }

  unpublished(): void {}
  stopped(): void {}
  closed(): void {}

  async close(): Promise<void> {
    this.logger.debug('gate closed');
  }
}

function checkStreamNames(session: ClientSession): void {
  checkName('vhost', session.vhost);
  checkName('app', session.app);
  checkName('stream', session.stream);
}
