import { followTracks } from '../codecs/describe.js';
import type { Gate, Protocol } from '../gate/types.js';
import type { Publisher, Stream } from '../hub/stream.js';
import type { MediaFrame } from '../media/frame.js';
import { SessionInfo } from '../servers/session-info.js';
import type { SessionTracker } from '../servers/sessions.js';
import { randomId } from '../util/ids.js';
import type { Logger } from '../util/logger.js';
import { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from '../util/backoff.js';
import { RelayError } from './errors.js';
import { NO_METERS, type RelayMeters } from './meters.js';
import type { PullSource } from './pull-sources.js';

export type PullState = 'connecting' | 'live' | 'retrying' | 'stopped';

/** What the API shows of one pull. */
export interface PullStatus {
  id: string;
  stream: string;
  source: string;
  protocol: PullSpec['protocol'];
  state: PullState;
  lastError: string;
  /** Bytes received from the source over the pull's life. */
  bytes: number;
}

/** Where a pull publishes, and what it reads. */
export interface PullSpec {
  vhost: string;
  app: string;
  stream: string;
  protocol: Extract<Protocol, 'rtmp-pull' | 'flv-pull' | 'hls-pull' | 'virtual-live'>;
  /** The source as logs and the gate see it (keys cut). */
  describe: string;
  open(): Promise<PullSource>;
}

export interface PullerDeps {
  hub: { acquire(vhost: string, app: string, name: string): Stream };
  gate: Pick<Gate, 'publish' | 'unpublished' | 'closed'>;
  sessions: SessionTracker;
  logger: Logger;
  backoff?: BackoffOptions;
  /** A source that sends nothing for this long is dropped and opened again. */
  idleTimeoutMs: number;
  meters?: RelayMeters;
}

// Frames a source may deliver while the gate decides; beyond this they are dropped.
const MAX_WAITING_FRAMES = 2000;

/**
 * Publishes a source (an RTMP or HTTP-FLV stream elsewhere, or a looped file) into the hub
 * through the gate, like a client publishing. A source that fails, ends or goes silent is
 * opened again with backoff; a refusal by the gate is retried the same way.
 */
export class Puller {
  readonly id: string;
  private state: PullState = 'connecting';
  private lastError = '';
  private source: PullSource | undefined;
  private session: SessionInfo | undefined;
  private attached: { stream: Stream; publisher: Publisher } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private idle: NodeJS.Timeout | undefined;
  private readonly backoff: Backoff;
  private liveSince = 0;
  private attempts = 0;
  /** Bytes of the sources closed so far. */
  private bytes = 0;
  private readonly meters: RelayMeters;

  constructor(
    private readonly spec: PullSpec,
    private readonly deps: PullerDeps,
    id = `pull-${randomId()}`,
  ) {
    this.id = id;
    this.backoff = new Backoff(deps.backoff ?? DEFAULT_BACKOFF);
    this.meters = deps.meters ?? NO_METERS;
  }

  start(): void {
    this.meters.event(this.spec.protocol, 'start');
    void this.attempt();
  }

  stop(): void {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    clearTimeout(this.timer);
    this.release();
    this.meters.event(this.spec.protocol, 'stop');
    this.meters.retired(this.spec.protocol, this.bytes);
  }

  status(): PullStatus {
    const { app, stream, describe, protocol } = this.spec;
    const bytes = this.bytes + (this.source?.bytesReceived() ?? 0);
    return { id: this.id, stream: `${app}/${stream}`, source: describe, protocol, state: this.state, lastError: this.lastError, bytes };
  }

  private get stopped(): boolean {
    return this.state === 'stopped';
  }

  private async attempt(): Promise<void> {
    this.state = 'connecting';
    if (this.attempts++ > 0) this.meters.event(this.spec.protocol, 'retry');
    const waiting: MediaFrame[] = [];
    let source: PullSource | undefined;
    try {
      source = await this.spec.open();
      this.source = source;
      source.onEnd = (error) => this.lost(error);
      source.onFrame = (frame) => {
        if (waiting.length < MAX_WAITING_FRAMES) waiting.push(frame);
      };
      if (this.stopped) return this.release();
      const session = this.newSession(source);
      this.session = session;
      await this.deps.gate.publish(session);
      if (this.stopped || this.source !== source) return;
      this.attach(session, source, waiting);
    } catch (error) {
      // The source may have ended while the gate decided: that was handled already.
      if (this.stopped || (source && this.source !== source)) return;
      this.release();
      this.retry(error as Error, 0);
    }
  }

  private attach(session: SessionInfo, source: PullSource, waiting: MediaFrame[]): void {
    const { vhost, app, stream: name } = this.spec;
    const stream = this.deps.hub.acquire(vhost, app, session.stream || name);
    const publisher: Publisher = { id: session.id, protocol: session.protocol, session, close: (reason) => this.lost(new RelayError(reason)) };
    if (!stream.attachPublisher(publisher)) throw new RelayError(`${app}/${name} already has a publisher`);
    this.attached = { stream, publisher };
    this.deps.sessions.add(session, 'pull-publish');
    this.state = 'live';
    this.lastError = '';
    this.liveSince = Date.now();
    this.meters.event(this.spec.protocol, 'live');
    this.deps.logger.info({ ...this.fields(), client: session.id }, 'publish start');
    source.onFrame = (frame) => this.ingest(stream, frame);
    for (const frame of waiting) this.ingest(stream, frame);
    this.watch();
  }

  private ingest(stream: Stream, frame: MediaFrame): void {
    this.watch();
    followTracks(stream, frame);
    stream.push(frame);
  }

  /** Restarts the silence watchdog. */
  private watch(): void {
    clearTimeout(this.idle);
    const ms = this.deps.idleTimeoutMs;
    this.idle = setTimeout(() => this.lost(new RelayError(`no media for ${ms} ms`)), ms);
  }

  private lost(error: Error): void {
    if (this.stopped || !this.source) return;
    const upFor = this.attached ? Date.now() - this.liveSince : 0;
    this.release();
    this.retry(error, upFor);
  }

  private retry(error: Error, upForMs: number): void {
    this.lastError = error.message;
    this.state = 'retrying';
    this.meters.event(this.spec.protocol, 'failure');
    const delayMs = this.backoff.next(upForMs);
    this.deps.logger.warn({ ...this.fields(), error: this.lastError, retryInMs: delayMs }, 'pull failed, retrying');
    this.timer = setTimeout(() => void this.attempt(), delayMs);
  }

  /** Gives back what the attempt holds: the source, the stream, the gate's and registry's session. */
  private release(): void {
    clearTimeout(this.idle);
    const source = this.source;
    this.source = undefined;
    if (source) {
      this.bytes += source.bytesReceived();
      source.onEnd = () => {};
      source.close();
    }
    const session = this.session;
    this.session = undefined;
    if (this.attached) {
      this.attached.stream.detachPublisher(this.attached.publisher);
      this.attached = undefined;
      if (session) {
        this.deps.gate.unpublished(session);
        this.deps.sessions.remove(session);
        this.deps.logger.info({ ...this.fields(), client: session.id, received: session.bytesReceived() }, 'publish stop');
      }
    }
    if (session) this.deps.gate.closed(session);
  }

  private newSession(source: PullSource): SessionInfo {
    const { vhost, app, stream, protocol, describe } = this.spec;
    return new SessionInfo(
      { id: this.deps.sessions.newId(), protocol, ip: '127.0.0.1', vhost, app, stream, tcUrl: `rtmp://${vhost}/${app}`, requestUrl: describe },
      { bytesSent: () => 0, bytesReceived: () => source.bytesReceived(), terminate: (reason) => this.lost(new RelayError(reason)) },
    );
  }

  private fields(): Record<string, unknown> {
    return { protocol: this.spec.protocol, stream: `${this.spec.app}/${this.spec.stream}`, source: this.spec.describe };
  }
}
