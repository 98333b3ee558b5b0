import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ManagedGate } from '../gate/hooks-gate.js';
import type { DeliveryObserver } from '../gate/delivery-log.js';
import type { HubTotals } from '../hub/stream-hub.js';
import { VERSION } from '../version.js';
import { EVENT_LOOP_SAMPLE_MS, reportLoopDelayWithoutPeriod } from './event-loop-lag.js';
import { MeteredGate, type GateMeters } from './metered-gate.js';
import { RelayMetrics } from './relay-metrics.js';

/** What the metrics read when scraped: cheap views of state the server keeps anyway. */
export interface MetricSources {
  hub: { readonly ownSize: number; totals(): HubTotals };
  /** Open client connections (all protocols, admitted or not). */
  connections(): number;
  /** Requests of Sluice's own API refused for a wrong or missing token. */
  apiAuthRefused(): number;
}

export interface MetricsOptions {
  /** SRS exporter `label` and `tag`, reported on sluice_build_info. */
  label?: string;
  tag?: string;
  now?: () => number;
}

/**
 * Sluice's Prometheus metrics in one registry, owned by the composition root. Gauges and totals
 * are read from existing counters at scrape time; only gate decisions, session starts, callback
 * deliveries and recording failures are counted as they happen (never per frame).
 */
export class SluiceMetrics {
  readonly registry = new Registry();
  /** Feeds the callback latency histogram; pass to createGate. */
  readonly observeDelivery: DeliveryObserver;
  private gate: MeteredGate | undefined;
  private outbox: Pick<ManagedGate, 'outboxStats'> | undefined;
  private sources: MetricSources | undefined;
  private readonly meters: GateMeters;
  /** Push, pull and ingest meters: pass to the relays and ingests. */
  readonly relays: RelayMetrics;

  constructor(options: MetricsOptions = {}) {
    const registers = [this.registry];
    this.relays = new RelayMetrics(this.registry);
    const now = options.now ?? Date.now;
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
    reportLoopDelayWithoutPeriod(this.registry);
    // Under workers every process reports it: the server's is one, not their sum.
    new Gauge({ name: 'sluice_build_info', help: 'Version of the server, with the exporter label and tag', labelNames: ['version', 'label', 'tag'], registers, aggregator: 'first' })
      .set({ version: VERSION, label: options.label ?? '', tag: options.tag ?? '' }, 1);

    const decisions = new Counter({ name: 'sluice_gate_decisions_total', help: 'Gate decisions by action (connect, publish, play), outcome (allowed, refused, error) and refusing rule', labelNames: ['action', 'outcome', 'rule'], registers });
    const started = new Counter({ name: 'sluice_sessions_started_total', help: 'Sessions admitted to publish or play, by protocol and kind', labelNames: ['protocol', 'kind'], registers });
    const recordingErrors = new Counter({ name: 'sluice_recording_errors_total', help: 'Recording files (dvr, record) and HLS writes that failed', labelNames: ['kind'], registers });
    const callbacks = new Histogram({
      name: 'sluice_callback_duration_seconds',
      help: 'Callback calls by event and outcome (allowed, refused, failed-open, delivered, retrying, rejected)',
      labelNames: ['event', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.meters = {
      decided: (action, outcome, rule) => decisions.inc({ action, outcome, rule }),
      started: (protocol, kind) => started.inc({ protocol, kind }),
      recordingFailed: (kind) => recordingErrors.inc({ kind }),
    };
    this.observeDelivery = (entry) => {
      // An expired event was given up without a call: it has no latency to report.
      if (entry.outcome !== 'expired') callbacks.observe({ event: entry.event, outcome: entry.outcome }, entry.latencyMs / 1000);
    };

    this.gauge('sluice_sessions', 'Sessions publishing or playing now, by protocol and kind', ['protocol', 'kind'], (g) => {
      for (const { protocol, kind, count } of this.gate?.sessions() ?? []) g.set({ protocol, kind }, count);
    });
    this.gauge('sluice_connections', 'Client connections open now', [], (g) => g.set(this.sources?.connections() ?? 0));
    this.gauge('sluice_streams', 'Streams with a publisher or players now', [], (g) => g.set(this.sources?.hub.ownSize ?? 0));
    this.gauge('sluice_outbox_depth', 'Informational callbacks waiting in the outbox', [], (g) => g.set(this.outbox?.outboxStats().depth ?? 0));
    this.gauge('sluice_outbox_oldest_age_seconds', 'Age of the oldest callback waiting in the outbox (0 when none)', [], (g) => {
      const oldest = this.outbox?.outboxStats().oldestCreatedAt;
      g.set(oldest === undefined ? 0 : Math.max(0, (now() - oldest) / 1000));
    });
    this.total('sluice_bytes_received_total', 'Bytes received from publishing and playing sessions, by protocol', ['protocol'], (c) => {
      for (const [protocol, traffic] of this.gate?.traffic() ?? []) c.inc({ protocol }, traffic.bytesIn);
    });
    this.total('sluice_bytes_sent_total', 'Bytes sent to publishing and playing sessions, by protocol', ['protocol'], (c) => {
      for (const [protocol, traffic] of this.gate?.traffic() ?? []) c.inc({ protocol }, traffic.bytesOut);
    });
    this.total('sluice_frames_received_total', 'Audio, video and data frames received from publishers', [], (c) => c.inc(this.sources?.hub.totals().framesIn ?? 0));
    this.total('sluice_frames_dropped_total', 'Frames skipped for players that could not keep up', [], (c) => c.inc(this.sources?.hub.totals().framesDropped ?? 0));
    this.total('sluice_api_auth_refused_total', "Requests of Sluice's own API refused for a wrong or missing bearer token", [], (c) => c.inc(this.sources?.apiAuthRefused() ?? 0));
    this.total('sluice_slow_reader_disconnects_total', 'Players disconnected because they stopped reading', [], (c) => c.inc(this.sources?.hub.totals().slowDisconnects ?? 0));
  }

  /** Wraps the server's gate so its decisions and sessions are counted; use the result everywhere. */
  meter(gate: ManagedGate): MeteredGate {
    this.gate = new MeteredGate(gate, this.meters);
    this.outbox = gate;
    return this.gate;
  }

  /** Under workers, the primary's gate: its outbox is read here, its decisions are counted by the workers. */
  watchOutbox(gate: Pick<ManagedGate, 'outboxStats'>): void {
    this.outbox = gate;
  }

  /** Where scrape-time values are read from, once the hub and servers exist. */
  watch(sources: MetricSources): void {
    this.sources = sources;
  }

  /** The text exposition format, and its content type. */
  async render(): Promise<{ text: string; contentType: string }> {
    return { text: await this.registry.metrics(), contentType: this.registry.contentType };
  }

  private gauge(name: string, help: string, labelNames: string[], fill: (g: Gauge) => void): Gauge {
    return new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        this.reset();
        fill(this);
      },
    });
  }

  /** A counter read from a running total at scrape time (the source never goes back). */
  private total(name: string, help: string, labelNames: string[], fill: (c: Counter) => void): Counter {
    return new Counter({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        this.reset();
        fill(this);
      },
    });
  }
}
