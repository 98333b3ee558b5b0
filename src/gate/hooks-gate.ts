import { DEFAULT_VHOST } from '../config/schema.js';
import { AccessDenied } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import type { DialectHandler } from './dialect.js';
import { checkName } from './names.js';
import type { Delivery, DeliveryQuery } from './store/deliveries.js';
import type {
  Admission,
  ClientSession,
  Gate,
  HlsSegmentClosed,
  RecordingEvents,
  RecordingFinished,
  RecordingStarted,
} from './types.js';

/** The gate and what it holds open (callback pools, the outbox), closed at shutdown. */
export interface ManagedGate extends Gate, RecordingEvents {
  /** The latest calls to callback receivers, newest first (for the API and the console). */
  listDeliveries(query?: DeliveryQuery): Delivery[];
  /** Informational calls waiting in the outbox (for metrics). */
  outboxStats(): OutboxStats;
  /** Sends a logged call again, logged as a new delivery; undefined when `seq` is not in the log. */
  replayDelivery(seq: number): Promise<Delivery | undefined>;
  /**
   * Asks a forward backend (SRS on_forward) where the publish of `session` is forwarded; throws
   * AccessDenied when it cannot be asked or its answer is not SRS's shape.
   */
  forwardTargets(session: ClientSession, backend: string): Promise<string[]>;
  close(): Promise<void>;
}

export interface OutboxStats {
  depth: number;
  /** When the oldest waiting call was made, ms since the epoch; undefined when none waits. */
  oldestCreatedAt: number | undefined;
}

/** What the gate closes at shutdown, and where it reads the delivery log. */
export interface GateResources {
  listDeliveries(query?: DeliveryQuery): Delivery[];
  outboxStats(): OutboxStats;
  replayDelivery(seq: number): Promise<Delivery | undefined>;
  forwardTargets(session: ClientSession, backend: string): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * Refuses unsafe names, then asks each callback block of the session's vhost in turn
 * (http_hooks, then http_notify); the first refusal wins. A rename by one applies to the next.
 */
export class HooksGate implements ManagedGate {
  constructor(
    /** Callback blocks per vhost; a vhost not listed uses the default vhost's. */
    private readonly handlers: Map<string, DialectHandler[]>,
    private readonly resources: GateResources | undefined,
    private readonly logger: Logger,
  ) {}

  async connect(session: ClientSession): Promise<void> {
    checkName('app', session.app);
    for (const handler of this.handlersOf(session)) await handler.connect?.(session);
  }

  publish(session: ClientSession): Promise<Admission> {
    return this.admit(session, (handler) => handler.publish?.(session));
  }

  play(session: ClientSession): Promise<Admission> {
    return this.admit(session, (handler) => handler.play?.(session));
  }

  unpublished(session: ClientSession): void {
    this.inform(session, 'unpublished', (h) => h.unpublished?.(session));
  }

  stopped(session: ClientSession): void {
    this.inform(session, 'stopped', (h) => h.stopped?.(session));
  }

  closed(session: ClientSession): void {
    this.inform(session, 'closed', (h) => h.closed?.(session));
  }

  recordingStarted(info: RecordingStarted): void {
    this.inform(info.session, 'recordingStarted', (h) => h.recordingStarted?.(info));
  }

  recordingFinished(info: RecordingFinished): void {
    this.inform(info.session, 'recordingFinished', (h) => h.recordingFinished?.(info));
  }

  hlsSegment(info: HlsSegmentClosed): void {
    this.inform(info.session, 'hlsSegment', (h) => h.hlsSegment?.(info));
  }

  listDeliveries(query?: DeliveryQuery): Delivery[] {
    return this.resources?.listDeliveries(query) ?? [];
  }

  outboxStats(): OutboxStats {
    return this.resources?.outboxStats() ?? { depth: 0, oldestCreatedAt: undefined };
  }

  async replayDelivery(seq: number): Promise<Delivery | undefined> {
    return this.resources?.replayDelivery(seq);
  }

  forwardTargets(session: ClientSession, backend: string): Promise<string[]> {
    if (!this.resources) return Promise.reject(new AccessDenied('no callback transport for on_forward'));
    return this.resources.forwardTargets(session, backend);
  }

  async close(): Promise<void> {
    for (const list of this.handlers.values()) for (const handler of list) handler.close?.();
    await this.resources?.close();
    this.logger.debug('gate closed');
  }

  private async admit(session: ClientSession, ask: (h: DialectHandler) => Promise<Admission> | undefined): Promise<Admission> {
    checkStreamNames(session);
    let admission: Admission = {};
    for (const handler of this.handlersOf(session)) {
      const granted = await ask(handler);
      if (!granted) continue;
      const { stream, ...relays } = granted;
      if (stream !== undefined) {
        checkName('stream', stream);
        session.stream = stream;
      }
      admission = { ...admission, ...(stream !== undefined ? { stream } : {}), ...relays };
    }
    return admission;
  }

  /** Informational events never throw into the caller: a failure here must not end a session. */
  private inform(session: ClientSession, what: string, tell: (handler: DialectHandler) => void): void {
    for (const handler of this.handlersOf(session)) {
      try {
        tell(handler);
      } catch (error) {
        this.logger.error({ err: error, client: session.id }, `callback ${what} could not be queued`);
      }
    }
  }

  private handlersOf(session: ClientSession): DialectHandler[] {
    return this.handlers.get(session.vhost) ?? this.handlers.get(DEFAULT_VHOST) ?? [];
  }
}

function checkStreamNames(session: ClientSession): void {
  checkName('vhost', session.vhost);
  checkName('app', session.app);
  checkName('stream', session.stream);
}
