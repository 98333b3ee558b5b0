import { existsSync, readFileSync } from 'node:fs';
import { notifyBlocks, type SluiceConfig } from '../config/schema.js';
import { ConfigError } from '../util/errors.js';
import { VERSION } from '../version.js';
import { HookCaller } from './caller.js';
import type { DialectContext } from './dialect.js';
import { DeliveryLog } from './delivery-log.js';
import { PooledTransport } from './http/transport.js';
import { loadIdentity, StreamIds } from './identity.js';
import type { GateOptions, HookStore } from './index.js';
import { Outbox } from './outbox.js';
import type { OutboxStats } from './hooks-gate.js';
import { OutboxWorker } from './outbox-worker.js';
import { replayDelivery } from './replay.js';
import { CallSender } from './sender.js';
import type { Delivery, DeliveryQuery } from './store/deliveries.js';

/** What every dialect handler of every configuration shares: the pool, the outbox and the log. */
export interface OpenDelivery {
  ctx: DialectContext;
  sender: CallSender;
}

type OpenedDelivery = OpenDelivery & { close(graceMs: number): Promise<void>; log: DeliveryLog; outbox: Outbox };

/**
 * The callback plumbing, opened once for the life of the server and kept across reloads, so the
 * outbox goes on delivering what a previous configuration queued. It is opened when the first
 * configuration with callbacks arrives (or at once when a previous run left events to deliver).
 */
export class HookDelivery {
  private open: OpenedDelivery | undefined;

  constructor(
    private readonly options: GateOptions,
    private readonly openStore: (dataDir: string, limit?: number) => HookStore,
    hookDbPath: string,
  ) {
    if (existsSync(hookDbPath)) this.opened();
  }

  /** The shared context, opening the plumbing on first use. */
  opened(): OpenDelivery {
    this.open ??= this.start();
    return this.open;
  }

  listDeliveries(query?: DeliveryQuery): Delivery[] {
    return this.open?.log.list(query) ?? [];
  }

  /** Sends a logged call again, logged as a new delivery; undefined when `seq` is not in the log. */
  async replayDelivery(seq: number): Promise<Delivery | undefined> {
    const open = this.open;
    const [original] = open?.log.list({ seq, limit: 1 }) ?? [];
    return original && open && replayDelivery(original, open.sender, open.log, this.options.now ?? Date.now);
  }

  outboxStats(): OutboxStats {
    return this.open?.outbox.stats() ?? { depth: 0, oldestCreatedAt: undefined };
  }

  /** Waits up to `graceMs` for the last events, then closes the pool and the store. */
  async close(graceMs: number): Promise<void> {
    await this.open?.close(graceMs);
  }

  private start(): OpenedDelivery {
    const { options } = this;
    const { config, logger } = options;
    const now = options.now ?? Date.now;
    const dataDir = options.dataDir ?? config.data_dir;
    // Read before anything is opened, so a bad file leaves nothing to close. A reload that names
    // another CA file needs a restart: the pool is opened once.
    const ca = options.transport ? [] : trustedCas(Object.values(config.vhosts).flatMap((v) => [v.http_hooks, ...notifyBlocks(v.http_notify)]));
    const store = options.store ?? this.openStore(dataDir, options.deliveryLogLimit);
    const transport = options.transport ?? warmedTransport(ca);
    const sender = new CallSender(transport, `Sluice/${VERSION}`, now);
    const log = new DeliveryLog(store.deliveries, logger, options.deliveryLogLimit, options.outbox?.retryMs, options.observer);
    const outbox = new Outbox(store.outbox, logger, options.outbox);
    const worker = new OutboxWorker(outbox, sender, log, logger, now, options.outbox);
    const ctx: DialectContext = {
      caller: new HookCaller(sender, outbox, worker, log, logger, now),
      identity: options.identity ?? loadIdentity(dataDir),
      streamIds: options.streamIds ?? new StreamIds(),
      now,
    };
    const pending = outbox.size();
    if (pending > 0) logger.info({ pending }, 'delivering callbacks left from the previous run');
    worker.poke();
    return {
      ctx,
      sender,
      log,
      outbox,
      async close(graceMs) {
        await worker.close(graceMs);
        await transport.close();
        outbox.close();
        log.close();
        store.close();
      },
    };
  }
}

/** The pool, warmed up at once: the first real callbacks after a start do not pay for its first use. */
function warmedTransport(ca: string[]): PooledTransport {
  const transport = new PooledTransport({ ca });
  void transport.warmUp();
  return transport;
}

/** The CA files of enabled callback blocks, read once (a missing file is a ConfigError). */
function trustedCas(blocks: Array<{ enabled: boolean; ca_file: string }>): string[] {
  const files = new Set(blocks.filter((b) => b.enabled && b.ca_file !== '').map((b) => b.ca_file));
  return [...files].map((file) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigError(`cannot read the CA file: ${(error as Error).message}`, 'http_hooks.ca_file', { cause: error });
    }
  });
}

/** True when some vhost of `config` calls a receiver. */
export function wantsCallbacks(config: SluiceConfig): boolean {
  return Object.values(config.vhosts).some((v) => [v.http_hooks, ...notifyBlocks(v.http_notify)].some((b) => b.enabled));
}

/** How long the last events may take at shutdown: the longest wait any callback block asks for. */
export function shutdownGraceMs(config: SluiceConfig): number {
  let graceMs = 0;
  for (const v of Object.values(config.vhosts)) {
    for (const block of [v.http_hooks, ...notifyBlocks(v.http_notify)]) if (block.enabled) graceMs = Math.max(graceMs, block.outbox_shutdown_wait);
  }
  return graceMs;
}
