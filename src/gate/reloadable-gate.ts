import type { SluiceConfig } from '../config/schema.js';
import { AccessDenied } from '../util/errors.js';
import type { ManagedGate, OutboxStats } from './hooks-gate.js';
import type { Delivery, DeliveryQuery } from './store/deliveries.js';
import type {
  Admission,
  ClientSession,
  HlsSegmentClosed,
  RecordingFinished,
  RecordingStarted,
} from './types.js';

/** The gate built from one configuration, and that configuration. */
export interface GateGeneration {
  config: SluiceConfig;
  gate: ManagedGate;
}

/** What the generations share: the delivery log, and what shutdown closes after them. */
export interface SharedDelivery {
  listDeliveries(query?: DeliveryQuery): Delivery[];
  outboxStats(): OutboxStats;
  replayDelivery(seq: number): Promise<Delivery | undefined>;
  /** SRS on_forward: where a publish is forwarded, asked with the current configuration's hooks. */
  forwardTargets(session: ClientSession, backend: string, config: SluiceConfig): Promise<string[]>;
  close(config: SluiceConfig): Promise<void>;
}

/** The server's gate: `reload` swaps in a gate built from a new configuration. */
export interface ReloadableGate extends ManagedGate {
  /** Sessions admitted from now on pass the gate built from `config`; sessions already admitted keep theirs. */
  reload(config: SluiceConfig): void;
}

/**
 * Delegates to the gate of the current configuration. A session is bound to the gate that
 * admitted it, so its end events (on_stop, on_unpublish, on_dvr ...) go where its start went,
 * and its periodic on_update goes on. Every generation shares one outbox: events an older
 * configuration queued are still delivered.
 */
export class GenerationalGate implements ReloadableGate {
  private current: GateGeneration;
  private readonly retired: ManagedGate[] = [];
  private readonly bound = new WeakMap<ClientSession, ManagedGate>();

  constructor(
    private readonly build: (config: SluiceConfig) => GateGeneration,
    config: SluiceConfig,
    private readonly shared: SharedDelivery,
  ) {
    this.current = build(config);
  }

  reload(config: SluiceConfig): void {
    const next = this.build(config);
    this.retired.push(this.current.gate);
    this.current = next;
  }

  async connect(session: ClientSession): Promise<void> {
    return this.admitting(session).connect(session);
  }

  async publish(session: ClientSession): Promise<Admission> {
    return this.admitting(session).publish(session);
  }

  async play(session: ClientSession): Promise<Admission> {
    return this.admitting(session).play(session);
  }

  unpublished(session: ClientSession): void {
    this.of(session).unpublished(session);
  }

  stopped(session: ClientSession): void {
    this.of(session).stopped(session);
  }

  closed(session: ClientSession): void {
    this.of(session).closed(session);
  }

  recordingStarted(info: RecordingStarted): void {
    this.of(info.session).recordingStarted(info);
  }

  recordingFinished(info: RecordingFinished): void {
    this.of(info.session).recordingFinished(info);
  }

  hlsSegment(info: HlsSegmentClosed): void {
    this.of(info.session).hlsSegment(info);
  }

  listDeliveries(query?: DeliveryQuery): Delivery[] {
    return this.shared.listDeliveries(query);
  }

  outboxStats(): OutboxStats {
    return this.shared.outboxStats();
  }

  replayDelivery(seq: number): Promise<Delivery | undefined> {
    return this.shared.replayDelivery(seq);
  }

  forwardTargets(session: ClientSession, backend: string): Promise<string[]> {
    return this.shared.forwardTargets(session, backend, this.current.config);
  }

  async close(): Promise<void> {
    for (const gate of [...this.retired.splice(0), this.current.gate]) await gate.close();
    await this.shared.close(this.current.config);
  }

  /** Binds the session to the current gate; a vhost turned off takes no new sessions (as SRS). */
  private admitting(session: ClientSession): ManagedGate {
    const { config, gate } = this.current;
    if (config.vhosts[session.vhost]?.enabled === false) throw new AccessDenied(`vhost ${session.vhost} is disabled`);
    this.bound.set(session, gate);
    return gate;
  }

  private of(session: ClientSession): ManagedGate {
    return this.bound.get(session) ?? this.current.gate;
  }
}
