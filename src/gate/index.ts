import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_VHOST, type SluiceConfig } from '../config/schema.js';
import type { Logger } from '../util/logger.js';
import { HookCaller } from './caller.js';
import type { DialectContext, DialectHandler } from './dialect.js';
import { HooksGate, type ManagedGate } from './hooks-gate.js';
import { PooledTransport, type HookTransport } from './http/transport.js';
import { VERSION } from '../version.js';
import { loadIdentity, StreamIds, type ServerIdentity } from './identity.js';
import { NotifyHooks } from './notify/hooks.js';
import { DeliveryLog } from './delivery-log.js';
import { Outbox, type OutboxOptions } from './outbox.js';
import { OutboxWorker, type OutboxWorkerOptions } from './outbox-worker.js';
import { OryxHooks } from './oryx/hooks.js';
import { hasRules, RulesGate, rulesOf } from './rules/rules-gate.js';
import { CallSender, signerKey } from './sender.js';
import { ForwardBackend } from './srs/forward.js';
import { SrsHooks } from './srs/hooks.js';
import { openHookDb } from './store/db.js';
import { DeliveryTable, type DeliveryStore } from './store/deliveries.js';
import { OutboxTable, type OutboxPersistence } from './store/outbox.js';

export type { ManagedGate } from './hooks-gate.js';
export { RuleDenied } from './rules/rule.js';
export { signStreamUrl, type SignOptions } from './rules/signature.js';
export type { Delivery, DeliveryOutcome, DeliveryQuery } from './store/deliveries.js';
export type {
  Admission,
  ClientSession,
  Gate,
  HlsSegmentClosed,
  PlayOptions,
  Protocol,
  RecordingEvents,
  RecordingFinished,
  RecordingStarted,
} from './types.js';

export interface GateOptions {
  config: SluiceConfig;
  logger: Logger;
  /** Where the server id, outbox and delivery log live; default `config.data_dir`. */
  dataDir?: string;
  /** The clock, ms since the epoch (tests). */
  now?: () => number;
  /** How calls reach receivers; default one pooled undici Agent. */
  transport?: HookTransport;
  /** Outbox retry pacing and concurrency, and its memory while the store fails. */
  outbox?: OutboxWorkerOptions & OutboxOptions;
  /** Entries kept in the delivery log (default 10000). */
  deliveryLogLimit?: number;
  /** Where the outbox and delivery log are kept; default SQLite in the data directory. */
  store?: HookStore;
  /** The server's ids and stream ids, when shared with the API; default loaded from the data directory. */
  identity?: ServerIdentity;
  streamIds?: StreamIds;
}

/** The outbox and the delivery log, as kept across restarts. */
export interface HookStore {
  outbox: OutboxPersistence;
  deliveries: DeliveryStore;
  close(): void;
}

/** The SQLite hook database of a data directory. */
export function openHookStore(dataDir: string, deliveryLogLimit?: number): HookStore {
  const db = openHookDb(hookDbPath(dataDir));
  return { outbox: new OutboxTable(db), deliveries: new DeliveryTable(db, deliveryLogLimit), close: () => db.close() };
}

/** The database file of the outbox and delivery log, inside the data directory. */
export function hookDbPath(dataDir: string): string {
  return join(dataDir, 'sluice.db');
}

/** Builds the server's one gate from the configuration: the gate rules, then the callbacks. */
export function createGate(options: GateOptions): ManagedGate {
  const rules = rulesOf(options.config);
  const hooks = createHooksGate(options);
  return hasRules(rules) ? new RulesGate(rules, hooks, options.now ?? Date.now) : hooks;
}

function createHooksGate(options: GateOptions): ManagedGate {
  const { config, logger } = options;
  const now = options.now ?? Date.now;
  const dataDir = options.dataDir ?? config.data_dir;
  const vhosts = Object.entries(config.vhosts);
  const forwards = (v: (typeof vhosts)[number][1]) => v.forward.enabled && v.forward.backend !== '';
  const wanted = vhosts.some(([, v]) => v.http_hooks.enabled || v.http_notify.enabled || forwards(v));
  // Without callbacks nothing is written, unless a previous run left events to deliver.
  if (!wanted && !existsSync(hookDbPath(dataDir))) return new HooksGate(new Map(), undefined, logger);

  const store = options.store ?? openHookStore(dataDir, options.deliveryLogLimit);
  const transport = options.transport ?? new PooledTransport();
  const sender = new CallSender(transport, `Sluice/${VERSION}`, now);
  const log = new DeliveryLog(store.deliveries, logger, options.deliveryLogLimit, options.outbox?.retryMs);
  const outbox = new Outbox(store.outbox, logger, options.outbox);
  const worker = new OutboxWorker(outbox, sender, log, logger, now, options.outbox);
  const ctx: DialectContext = {
    caller: new HookCaller(sender, outbox, worker, log, logger, now),
    identity: options.identity ?? loadIdentity(dataDir),
    streamIds: options.streamIds ?? new StreamIds(),
    now,
  };

  const handlers = new Map<string, DialectHandler[]>();
  let graceMs = 0;
  for (const [vhost, v] of vhosts) {
    for (const block of [v.http_hooks, v.http_notify]) if (block.enabled) graceMs = Math.max(graceMs, block.outbox_shutdown_wait);
    const list: DialectHandler[] = [];
    if (v.http_hooks.enabled) {
      const signer = signerKey(v.http_hooks.dialect, vhost);
      sender.setSecret(signer, v.http_hooks.secret);
      list.push(v.http_hooks.dialect === 'oryx' ? new OryxHooks(v.http_hooks, ctx, signer) : new SrsHooks(v.http_hooks, ctx, signer));
    }
    if (v.http_notify.enabled) {
      const signer = signerKey('notify', vhost);
      sender.setSecret(signer, v.http_notify.secret);
      list.push(new NotifyHooks(v.http_notify, ctx, signer, logger, now()));
    }
    handlers.set(vhost, list);
  }

  // on_forward uses the vhost's http_hooks secret and timeout (its own directive has neither).
  const forward = new ForwardBackend(ctx, (vhost) => {
    const hooks = (config.vhosts[vhost] ?? config.vhosts[DEFAULT_VHOST])!.http_hooks;
    return { signer: signerKey('srs', vhost), timeoutMs: hooks.timeout };
  });
  for (const [vhost, v] of vhosts) {
    if (forwards(v) && !v.http_hooks.enabled) sender.setSecret(signerKey('srs', vhost), v.http_hooks.secret);
  }

  const pending = outbox.size();
  if (pending > 0) logger.info({ pending }, 'delivering callbacks left from the previous run');
  worker.poke();
  return new HooksGate(
    handlers,
    {
      listDeliveries: (query) => log.list(query),
      forwardTargets: (session, backend) => forward.targets(session, backend),
      async close() {
        await worker.close(graceMs);
        await transport.close();
        outbox.close();
        log.close();
        store.close();
      },
    },
    logger,
  );
}
