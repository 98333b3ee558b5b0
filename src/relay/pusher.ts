import { Reader, type FrameSink } from '../hub/reader.js';
import type { Stream } from '../hub/stream.js';
import { rtmpOutput } from '../servers/rtmp/rtmp-media.js';
import { randomId } from '../util/ids.js';
import type { Logger } from '../util/logger.js';
import { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from '../util/backoff.js';
import { RelayError } from './errors.js';
import { NO_METERS, type RelayKind, type RelayMeters } from './meters.js';
import { RtmpClient } from './rtmp-client/rtmp-client.js';
import { redactUrl, type RtmpUrl } from './rtmp-client/rtmp-url.js';

export type PushState = 'connecting' | 'live' | 'retrying' | 'stopped';

/** What the API shows of one push; the URL has its stream key cut. */
export interface PushStatus {
  id: string;
  /** Who started it: `forward`, `forward backend`, `push`, `on_publish relay`, or a restream target's id. */
  origin: string;
  stream: string;
  url: string;
  state: PushState;
  lastError: string;
  bytes: number;
  /** Bits per second over the last seconds. */
  bitrate: number;
  /** Ms since the current connection went live; 0 when not live. */
  uptimeMs: number;
  /** Connections that went live so far. */
  connects: number;
  kind: RelayKind;
}

export interface PusherOptions {
  logger: Logger;
  backoff?: BackoffOptions;
  /** Each connection step must complete within this. */
  stepTimeoutMs?: number;
  /** Extra trusted certificates for rtmps://. */
  ca?: string | Buffer;
  now?: () => number;
  /** What kind of push this is, for metrics (restream unless said). */
  kind?: RelayKind;
  meters?: RelayMeters;
}

const DEFAULT_STEP_TIMEOUT_MS = 10_000;

/**
 * Pushes one stream to one RTMP(S) target, as a hub reader: its queue is the reader's (bounded,
 * skipping to the next keyframe when the target is slow, and dropped when it stops taking), so a
 * target never slows the publisher or anyone else. A lost or failed connection is retried with
 * exponential backoff and jitter until the push is stopped.
 */
export class Pusher {
  readonly id = `push-${randomId()}`;
  private state: PushState = 'connecting';
  private lastError = '';
  private client: RtmpClient | undefined;
  private reader: Reader | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly backoff: Backoff;
  private readonly now: () => number;
  private liveSince = 0;
  private connects = 0;
  private bytes = 0;
  private rate = { since: 0, bytes: 0, bitrate: 0 };
  private readonly kind: RelayKind;
  private readonly meters: RelayMeters;
  private attempts = 0;

  constructor(
    private readonly stream: Stream,
    private readonly url: RtmpUrl,
    private readonly target: string,
    private readonly origin: string,
    private readonly options: PusherOptions,
  ) {
    this.backoff = new Backoff(options.backoff ?? DEFAULT_BACKOFF);
    this.now = options.now ?? Date.now;
    this.kind = options.kind ?? 'restream';
    this.meters = options.meters ?? NO_METERS;
  }

  start(): void {
    this.meters.event(this.kind, 'start');
    void this.connect();
  }

  stop(reason: string): void {
    if (this.state === 'stopped') return;
    const wasLive = this.state === 'live';
    this.state = 'stopped';
    clearTimeout(this.timer);
    this.detach();
    this.meters.event(this.kind, 'stop');
    this.meters.retired(this.kind, this.bytes);
    this.options.logger.info({ ...this.logFields(), bytes: this.bytes, wasLive }, `push stopped: ${reason}`);
  }

  get stopped(): boolean {
    return this.state === 'stopped';
  }

  status(): PushStatus {
    const live = this.state === 'live';
    return {
      id: this.id,
      origin: this.origin,
      stream: `${this.stream.app}/${this.stream.name}`,
      url: redactUrl(this.target),
      state: this.state,
      lastError: this.lastError,
      bytes: this.bytes,
      bitrate: live ? Math.round(this.rate.bitrate) : 0,
      uptimeMs: live ? this.now() - this.liveSince : 0,
      connects: this.connects,
      kind: this.kind,
    };
  }

  private async connect(): Promise<void> {
    this.state = 'connecting';
    if (this.attempts++ > 0) this.meters.event(this.kind, 'retry');
    let client: RtmpClient | undefined;
    try {
      const stepTimeoutMs = this.options.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;
      client = await RtmpClient.open(this.url, { stepTimeoutMs, ...(this.options.ca ? { ca: this.options.ca } : {}) });
      if (this.stopped) return client.close();
      const streamId = await client.publish();
      if (this.stopped) return client.close();
      // The server may have hung up right after saying yes.
      if (client.isClosed) throw new RelayError('connection closed by the server');
      this.attach(client, streamId);
    } catch (error) {
      client?.close();
      if (!this.stopped) this.retry(error, 0);
    }
  }

  private attach(client: RtmpClient, streamId: number): void {
    this.client = client;
    const sink: FrameSink = {
      get pendingBytes() {
        return client.socket.writableLength;
      },
      write: (bytes) => {
        this.count(bytes.length);
        client.write(bytes);
      },
      close: (reason) => client.close(new RelayError(`target too slow: ${reason}`)),
    };
    this.reader = new Reader(this.id, sink, rtmpOutput(client.chunkSize, streamId));
    client.onClose = (error) => this.lost(error);
    this.state = 'live';
    this.lastError = '';
    this.liveSince = this.now();
    this.rate = { since: this.liveSince, bytes: 0, bitrate: 0 };
    this.connects++;
    this.stream.addReader(this.reader);
    this.meters.event(this.kind, 'live');
    this.options.logger.info({ ...this.logFields(), connects: this.connects }, 'push live');
  }

  private lost(error: Error | undefined): void {
    if (this.stopped) return;
    const upFor = this.now() - this.liveSince;
    this.detach();
    this.retry(error ?? new RelayError('connection closed'), upFor);
  }

  private retry(error: unknown, upForMs: number): void {
    this.lastError = error instanceof Error ? error.message : String(error);
    this.state = 'retrying';
    this.meters.event(this.kind, 'failure');
    const delayMs = this.backoff.next(upForMs);
    this.options.logger.warn({ ...this.logFields(), error: this.lastError, retryInMs: delayMs }, 'push failed, retrying');
    this.timer = setTimeout(() => void this.connect(), delayMs);
  }

  private detach(): void {
    if (this.reader) this.stream.removeReader(this.reader);
    this.reader = undefined;
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.onClose = () => {};
      client.close();
    }
  }

  private count(bytes: number): void {
    this.bytes += bytes;
    this.rate.bytes += bytes;
    const now = this.now();
    const elapsed = now - this.rate.since;
    if (elapsed < 1000) return;
    const bitrate = (this.rate.bytes * 8000) / elapsed;
    this.rate = { since: now, bytes: 0, bitrate: this.rate.bitrate === 0 ? bitrate : (this.rate.bitrate + bitrate) / 2 };
  }

  private logFields(): Record<string, unknown> {
    return { push: this.id, origin: this.origin, stream: `${this.stream.app}/${this.stream.name}`, target: redactUrl(this.target) };
  }
}
