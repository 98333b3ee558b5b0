import type { ClientSession } from '../gate/types.js';
import type { SessionTracker } from '../servers/sessions.js';
import type { Logger } from '../util/logger.js';
import { ClientIds } from '../util/ids.js';

/** The part of the gate that HLS viewer sessions report to. */
export interface ViewerGate {
  stopped(session: ClientSession): void;
  closed(session: ClientSession): void;
}

/** Bytes served to one viewer, which its session reports. */
export interface ViewerCounter {
  sent: number;
}

interface Viewer {
  session: ClientSession;
  counter: ViewerCounter;
  lastSeen: number;
  idleMs: number;
}

/**
 * HLS viewers as sessions (SRS hls_ctx): HTTP has no connection to close, so a viewer is gone
 * once it has asked for nothing during its idle time; a timer sweep then reports the stop.
 */
export class HlsViewers {
  private readonly viewers = new Map<string, Viewer>();
  private readonly timer: NodeJS.Timeout;
  private readonly ids = new ClientIds();

  constructor(
    private readonly gate: ViewerGate,
    private readonly logger: Logger,
    private readonly tracker: SessionTracker | undefined = undefined,
    sweepMs = 1000,
    private readonly clock: () => number = Date.now,
  ) {
    this.timer = setInterval(() => this.sweep(), sweepMs);
    this.timer.unref();
  }

  get size(): number {
    return this.viewers.size;
  }

  /** A new viewer's session id: the registry's (unique across workers); without one, unique here. */
  newId(): string {
    return this.tracker?.newId() ?? this.ids.next();
  }

  /** Starts tracking an admitted viewer under its session id. */
  add(session: ClientSession, idleMs: number, counter: ViewerCounter): void {
    this.viewers.set(session.id, { session, counter, lastSeen: this.clock(), idleMs });
    this.tracker?.add(session, 'hls-play');
  }

  /** The viewer with this id, marked as active now and `bytes` added; undefined when unknown or gone. */
  touch(id: string | null, bytes = 0): ClientSession | undefined {
    const viewer = id === null ? undefined : this.viewers.get(id);
    if (!viewer) return undefined;
    viewer.lastSeen = this.clock();
    viewer.counter.sent += bytes;
    return viewer.session;
  }

  /**
   * Under workers: where the bytes of a segment served to another worker's viewer go (segments
   * are served by any worker; the viewer's session, its playlist requests and its count, by one).
   */
  servedElsewhere: ((id: string, bytes: number) => void) | undefined;

  /** A segment of `bytes` served to the viewer `id`: counted here, or told to the worker that holds it. */
  served(id: string | null, bytes: number): void {
    if (id === null || this.touch(id, bytes)) return;
    this.servedElsewhere?.(id, bytes);
  }

  /** Ends one viewer (terminated from outside). */
  end(id: string, reason: string): void {
    const viewer = this.viewers.get(id);
    if (!viewer) return;
    this.viewers.delete(id);
    this.tracker?.remove(viewer.session);
    this.gate.stopped(viewer.session);
    this.gate.closed(viewer.session);
    const s = viewer.session;
    this.logger.info(
      { client: s.id, ip: s.ip, protocol: s.protocol, stream: `${s.app}/${s.stream}`, sent: s.bytesSent(), duration_ms: this.clock() - s.startedAt, reason },
      'session end',
    );
  }

  /** Ends every viewer that has been idle for its idle time. */
  sweep(): void {
    const now = this.clock();
    for (const [id, viewer] of this.viewers) {
      if (now - viewer.lastSeen > viewer.idleMs) this.end(id, `idle for ${Math.round((now - viewer.lastSeen) / 1000)} s`);
    }
  }

  /** Ends everyone (at shutdown). */
  stop(): void {
    clearInterval(this.timer);
    for (const id of [...this.viewers.keys()]) this.end(id, 'server shutting down');
  }
}
