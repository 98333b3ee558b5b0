import { Counter, Gauge, type Registry } from 'prom-client';
import type { RelayEvent, RelayKind, RelayMeters } from '../relay/meters.js';
import type { PushStatus } from '../relay/pusher.js';
import type { PullStatus } from '../relay/puller.js';
import type { SupervisedState, SupervisedStatus } from '../util/supervised-process.js';

/** Where the relay gauges are read from at scrape time. */
export interface RelaySources {
  pushes(): PushStatus[];
  pulls(): PullStatus[];
  ingests(): Array<{ state: SupervisedState }>;
  /** Restream targets by id with their pushes. */
  targets(): Array<{ id: string; pushes: PushStatus[] }>;
}

/**
 * Push, pull and ingest metrics. Labels stay bounded: `kind` and `event` are fixed sets, and the
 * only per-target label is a restream target's id, of which there are as many as configured.
 */
export class RelayMetrics implements RelayMeters {
  private readonly events: Counter;
  private readonly retiredBytes = new Map<RelayKind, number>();
  private sources: RelaySources | undefined;
  private readonly ingestStates = new Map<string, SupervisedState>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.events = new Counter({
      name: 'sluice_relay_events_total',
      help: 'Pushes (forward, push, restream), pulls (by protocol) and ingests: start, live, failure, retry and stop',
      labelNames: ['kind', 'event'],
      registers,
    });
    const read = (): RelaySources | undefined => this.sources;
    const retired = this.retiredBytes;
    new Gauge({
      name: 'sluice_relays',
      help: 'Pushes, pulls and ingests now, by kind and state (connecting, live, retrying; running, retrying, stopped for ingests)',
      labelNames: ['kind', 'state'],
      registers,
      collect() {
        this.reset();
        const sources = read();
        if (!sources) return;
        for (const push of sources.pushes()) this.inc({ kind: push.kind, state: push.state });
        for (const pull of sources.pulls()) this.inc({ kind: pull.protocol, state: pull.state });
        for (const ingest of sources.ingests()) this.inc({ kind: 'ingest', state: ingest.state });
      },
    });
    new Counter({
      name: 'sluice_relay_bytes_total',
      help: 'Bytes sent by pushes and received by pulls, by kind',
      labelNames: ['kind'],
      registers,
      collect() {
        this.reset();
        const totals = new Map(retired);
        const sources = read();
        const add = (kind: RelayKind, bytes: number): void => void totals.set(kind, (totals.get(kind) ?? 0) + bytes);
        for (const push of sources?.pushes() ?? []) add(push.kind, push.bytes);
        for (const pull of sources?.pulls() ?? []) add(pull.protocol, pull.bytes);
        for (const [kind, bytes] of totals) this.inc({ kind }, bytes);
      },
    });
    new Gauge({
      name: 'sluice_restream_target_live',
      help: 'Restream targets: 1 while at least one of its pushes is live',
      labelNames: ['target'],
      registers,
      collect() {
        this.reset();
        for (const target of read()?.targets() ?? []) this.set({ target: target.id }, target.pushes.some((push) => push.state === 'live') ? 1 : 0);
      },
    });
  }

  watch(sources: RelaySources): void {
    this.sources = sources;
  }

  event(kind: RelayKind, event: RelayEvent): void {
    this.events.inc({ kind, event });
  }

  retired(kind: RelayKind, bytes: number): void {
    this.retiredBytes.set(kind, (this.retiredBytes.get(kind) ?? 0) + bytes);
  }

  /** Turns an ingest process's changes of state into events. */
  readonly observeIngest = (name: string, status: SupervisedStatus): void => {
    const before = this.ingestStates.get(name) ?? 'stopped';
    if (status.state === before) return;
    if (status.state === 'running') {
      this.event('ingest', before === 'retrying' ? 'retry' : 'start');
      this.event('ingest', 'live');
    } else {
      this.event('ingest', status.state === 'retrying' ? 'failure' : 'stop');
    }
    if (status.state === 'stopped') this.ingestStates.delete(name);
    else this.ingestStates.set(name, status.state);
  };
}
