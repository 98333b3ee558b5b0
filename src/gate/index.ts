import { join } from 'node:path';
import { DEFAULT_VHOST, notifyBlocks, notifyProtocolBlocks, type HttpNotifyBlock, type SluiceConfig } from '../config/schema.js';
import type { Logger } from '../util/logger.js';
import type { DeliveryObserver } from './delivery-log.js';
import type { DialectHandler } from './dialect.js';
import { HookDelivery, shutdownGraceMs, wantsCallbacks } from './hook-delivery.js';
import { HooksGate } from './hooks-gate.js';
import type { HookTransport } from './http/transport.js';
import type { ServerIdentity, StreamIds } from './identity.js';
import { NotifyHooks, type NotifyBlock, type NotifyBlocks } from './notify/hooks.js';
import type { OutboxOptions } from './outbox.js';
import type { OutboxWorkerOptions } from './outbox-worker.js';
import { OryxHooks } from './oryx/hooks.js';
import { GenerationalGate, type GateGeneration, type ReloadableGate } from './reloadable-gate.js';
import { hasRules, RulesGate, rulesOf } from './rules/rules-gate.js';
import { signerKey } from './sender.js';
import { ForwardBackend } from './srs/forward.js';
import { SrsHooks } from './srs/hooks.js';
import { openHookDb } from './store/db.js';
import { DeliveryTable, type DeliveryStore } from './store/deliveries.js';
import { OutboxTable, type OutboxPersistence } from './store/outbox.js';

export type { ManagedGate } from './hooks-gate.js';
export type { ReloadableGate } from './reloadable-gate.js';
export { RuleDenied } from './rules/rule.js';
export { signStreamUrl, type SignOptions } from './rules/signature.js';
export type { Delivery, DeliveryOutcome, DeliveryQuery } from './store/deliveries.js';
export type { DeliveryObserver } from './delivery-log.js';
export type { OutboxStats } from './hooks-gate.js';
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
  /** Told of every callback delivery (metrics). */
  observer?: DeliveryObserver;
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

/**
 * Builds the server's one gate from the configuration: the gate rules, then the callbacks.
 * `reload` rebuilds both from a new configuration over the same outbox and delivery log.
 */
export function createGate(options: GateOptions): ReloadableGate {
  const dataDir = options.dataDir ?? options.config.data_dir;
  const delivery = new HookDelivery(options, openHookStore, hookDbPath(dataDir));
  const build = (config: SluiceConfig): GateGeneration => {
    const rules = rulesOf(config);
    const hooks = new HooksGate(handlersOf(config, delivery, options), undefined, options.logger);
    return { config, gate: hasRules(rules) ? new RulesGate(rules, hooks, options.now ?? Date.now) : hooks };
  };
  return new GenerationalGate(build, options.config, {
    listDeliveries: (query) => delivery.listDeliveries(query),
    outboxStats: () => delivery.outboxStats(),
    replayDelivery: (seq) => delivery.replayDelivery(seq),
    forwardTargets: (session, backend, config) => forwardBackend(config, delivery).targets(session, backend),
    close: (config) => delivery.close(shutdownGraceMs(config)),
  });
}

/** SRS's on_forward backend, over the shared plumbing, signed and timed as the vhost's http_hooks (its own directive has neither). */
function forwardBackend(config: SluiceConfig, delivery: HookDelivery): ForwardBackend {
  const { ctx, sender } = delivery.opened();
  const hooksOf = (vhost: string) => (config.vhosts[vhost] ?? config.vhosts[DEFAULT_VHOST])!.http_hooks;
  return new ForwardBackend(ctx, (vhost) => {
    const hooks = hooksOf(vhost);
    if (!hooks.enabled) sender.setSecret(signerKey('srs', vhost), hooks.secret);
    return { signer: signerKey('srs', vhost), timeoutMs: hooks.timeout };
  });
}

/** The callback blocks of each vhost; the shared plumbing is opened when the first one needs it. */
function handlersOf(config: SluiceConfig, delivery: HookDelivery, options: GateOptions): Map<string, DialectHandler[]> {
  const handlers = new Map<string, DialectHandler[]>();
  if (!wantsCallbacks(config)) return handlers;
  const { ctx, sender } = delivery.opened();
  for (const [vhost, v] of Object.entries(config.vhosts)) {
    const list: DialectHandler[] = [];
    if (v.http_hooks.enabled) {
      const signer = signerKey(v.http_hooks.dialect, vhost);
      sender.setSecret(signer, v.http_hooks.secret);
      list.push(v.http_hooks.dialect === 'oryx' ? new OryxHooks(v.http_hooks, ctx, signer) : new SrsHooks(v.http_hooks, ctx, signer));
    }
    if (notifyBlocks(v.http_notify).some((block) => block.enabled)) {
      const blockOf = (config: HttpNotifyBlock, signer: string): NotifyBlock => {
        sender.setSecret(signer, config.secret);
        return { config, signer };
      };
      const protocols: NotifyBlocks['protocols'] = {};
      for (const [protocol, config] of notifyProtocolBlocks(v.http_notify)) {
        protocols[protocol] = blockOf(config, `${signerKey('notify', vhost)} ${protocol}`);
      }
      const blocks = { vhost: blockOf(v.http_notify, signerKey('notify', vhost)), protocols };
      list.push(new NotifyHooks(blocks, ctx, options.logger, ctx.now()));
    }
    handlers.set(vhost, list);
  }
  return handlers;
}
