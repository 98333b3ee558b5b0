import type { ManagedGate } from '../gate/hooks-gate.js';
import { HookTransportError } from '../gate/http/transport.js';
import { RuleDenied } from '../gate/rules/rule.js';
import type { Delivery, DeliveryQuery } from '../gate/store/deliveries.js';
import type {
  Admission,
  ClientSession,
  HlsSegmentClosed,
  Protocol,
  RecordingFinished,
  RecordingStarted,
} from '../gate/types.js';
import { AccessDenied } from '../util/errors.js';

export type SessionKind = 'publish' | 'play';
export type GateAction = 'connect' | SessionKind;
/** refused: a rule or a receiver said no; error: the receiver could not be asked, or the gate failed. */
export type GateOutcome = 'allowed' | 'refused' | 'error';
export type RecordingKind = 'dvr' | 'record' | 'hls';

/** Where the gate's events are counted (prom-client counters in production). */
export interface GateMeters {
  decided(action: GateAction, outcome: GateOutcome, rule: string): void;
  started(protocol: Protocol, kind: SessionKind): void;
  recordingFailed(kind: RecordingKind): void;
}

export interface Traffic {
  bytesIn: number;
  bytesOut: number;
}

/**
 * Wraps the server's gate to count what passes through it: decisions, admitted sessions while
 * they live, and the bytes they moved. Nothing here runs per frame: bytes are read from each
 * session's own counters when metrics are scraped.
 */
export class MeteredGate implements ManagedGate {
  private readonly live = new Map<ClientSession, SessionKind>();
  /** Bytes of sessions already added to `ended` (a connection may publish or play again). */
  private readonly counted = new WeakMap<ClientSession, Traffic>();
  private readonly ended = new Map<Protocol, Traffic>();
  private readonly recordTasks = new Set<string>();

  constructor(
    private readonly inner: ManagedGate,
    private readonly meters: GateMeters,
  ) {}

  connect(session: ClientSession): Promise<void> {
    return this.decide('connect', () => this.inner.connect(session));
  }

  async publish(session: ClientSession): Promise<Admission> {
    const admission = await this.decide('publish', () => this.inner.publish(session));
    this.admitted(session, 'publish');
    return admission;
  }

  async play(session: ClientSession): Promise<Admission> {
    const admission = await this.decide('play', () => this.inner.play(session));
    this.admitted(session, 'play');
    return admission;
  }

  unpublished(session: ClientSession): void {
    this.retire(session);
    this.inner.unpublished(session);
  }

  stopped(session: ClientSession): void {
    this.retire(session);
    this.inner.stopped(session);
  }

  closed(session: ClientSession): void {
    // Normally retired already (unpublished / stopped); a connection gone without either still ends here.
    this.retire(session);
    this.inner.closed(session);
  }

  recordingStarted(info: RecordingStarted): void {
    // Only record tasks announce their start; DVR files just finish.
    this.recordTasks.add(info.uuid);
    this.inner.recordingStarted(info);
  }

  recordingFinished(info: RecordingFinished): void {
    const kind = this.recordTasks.delete(info.uuid) ? 'record' : 'dvr';
    if ((info.code ?? 0) !== 0) this.meters.recordingFailed(kind);
    this.inner.recordingFinished(info);
  }

  hlsSegment(info: HlsSegmentClosed): void {
    this.inner.hlsSegment(info);
  }

  hlsWriteFailed(): void {
    this.meters.recordingFailed('hls');
  }

  listDeliveries(query?: DeliveryQuery): Delivery[] {
    return this.inner.listDeliveries(query);
  }

  outboxStats() {
    return this.inner.outboxStats();
  }

  replayDelivery(seq: number) {
    return this.inner.replayDelivery(seq);
  }

  forwardTargets(session: ClientSession, backend: string) {
    return this.inner.forwardTargets(session, backend);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** Admitted sessions alive now, by protocol and kind. */
  sessions(): Array<{ protocol: Protocol; kind: SessionKind; count: number }> {
    const counts = new Map<string, { protocol: Protocol; kind: SessionKind; count: number }>();
    for (const [session, kind] of this.live) {
      const key = `${session.protocol} ${kind}`;
      const entry = counts.get(key) ?? { protocol: session.protocol, kind, count: 0 };
      entry.count++;
      counts.set(key, entry);
    }
    return [...counts.values()];
  }

  /** Bytes received and sent by admitted sessions since start, by protocol. */
  traffic(): Map<Protocol, Traffic> {
    const totals = new Map<Protocol, Traffic>();
    for (const [protocol, bytes] of this.ended) totals.set(protocol, { ...bytes });
    for (const session of this.live.keys()) {
      const total = totals.get(session.protocol) ?? { bytesIn: 0, bytesOut: 0 };
      const fresh = this.unCounted(session);
      total.bytesIn += fresh.bytesIn;
      total.bytesOut += fresh.bytesOut;
      totals.set(session.protocol, total);
    }
    return totals;
  }

  private async decide<T>(action: GateAction, ask: () => Promise<T>): Promise<T> {
    try {
      const result = await ask();
      this.meters.decided(action, 'allowed', '');
      return result;
    } catch (error) {
      const rule = error instanceof RuleDenied ? error.rule : '';
      const unreachable = error instanceof AccessDenied && error.cause instanceof HookTransportError;
      const outcome = error instanceof AccessDenied && !unreachable ? 'refused' : 'error';
      this.meters.decided(action, outcome, rule);
      throw error;
    }
  }

  private admitted(session: ClientSession, kind: SessionKind): void {
    this.live.set(session, kind);
    this.meters.started(session.protocol, kind);
  }

  private retire(session: ClientSession): void {
    if (!this.live.delete(session)) return;
    const fresh = this.unCounted(session);
    const counted = this.counted.get(session) ?? { bytesIn: 0, bytesOut: 0 };
    this.counted.set(session, { bytesIn: counted.bytesIn + fresh.bytesIn, bytesOut: counted.bytesOut + fresh.bytesOut });
    const total = this.ended.get(session.protocol) ?? { bytesIn: 0, bytesOut: 0 };
    total.bytesIn += fresh.bytesIn;
    total.bytesOut += fresh.bytesOut;
    this.ended.set(session.protocol, total);
  }

  /** What the session moved beyond what an earlier publish or play of it already counted. */
  private unCounted(session: ClientSession): Traffic {
    const counted = this.counted.get(session) ?? { bytesIn: 0, bytesOut: 0 };
    return { bytesIn: session.bytesReceived() - counted.bytesIn, bytesOut: session.bytesSent() - counted.bytesOut };
  }
}
