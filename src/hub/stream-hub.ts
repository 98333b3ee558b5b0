import { Listeners } from '../util/listeners.js';
import type { Logger } from '../util/logger.js';
import { Stream, streamKey, type Publisher, type StreamEvents, type StreamKey, type StreamOptions } from './stream.js';

export interface HubTotals {
  framesIn: number;
  framesDropped: number;
  slowDisconnects: number;
}

/**
 * The registry of live streams: created on first use, removed when nobody uses them. Tells
 * listeners (HLS, recorders, forwarders) when a stream starts and stops publishing.
 */
export class StreamHub {
  private readonly streams = new Map<string, Stream>();
  /** What streams and readers that are gone counted, so totals never go back. */
  private readonly retired = { framesIn: 0, framesDropped: 0, slowDisconnects: 0 };
  readonly published: Listeners<Stream>;
  readonly unpublished: Listeners<Stream>;
  /** A stream's first viewer arrived (true) or its last one left (false). */
  readonly watched: Listeners<{ stream: Stream; watched: boolean }>;
  /**
   * A publisher that is no mirror took a stream (true) or left it, whether or not its publish is
   * announced (a WebRTC publish without rtc_to_rtmp is not): what relays to other workers follow.
   */
  readonly publishers: Listeners<{ stream: Stream; publishing: boolean }>;
  /** Asked before a publisher takes a stream (one publisher per stream across workers); absent: any may. */
  mayPublish: ((stream: Stream, publisher: Publisher) => boolean) | undefined;
  /** Under workers: whether another worker publishes the stream now (its media comes once it is watched here). */
  publishedElsewhere: ((stream: StreamKey) => Promise<boolean>) | undefined;
  private readonly events: StreamEvents;

  constructor(
    private readonly optionsFor: (vhost: string) => StreamOptions,
    onListenerError: (error: unknown) => void,
    logger?: Logger,
  ) {
    this.published = new Listeners(onListenerError);
    this.unpublished = new Listeners(onListenerError);
    this.watched = new Listeners(onListenerError);
    this.publishers = new Listeners(onListenerError);
    this.events = {
      published: (stream) => this.published.emit(stream),
      unpublished: (stream) => this.unpublished.emit(stream),
      idle: (stream) => this.remove(stream),
      mayPublish: (stream, publisher) => this.mayPublish?.(stream, publisher) ?? true,
      watched: (stream, watched) => this.watched.emit({ stream, watched }),
      publisherChanged: (stream, publishing) => this.publishers.emit({ stream, publishing }),
      readerRemoved: (stats) => {
        this.retired.framesDropped += stats?.framesDropped ?? 0;
        if (stats?.tooSlow) this.retired.slowDisconnects++;
      },
      gopDropped: (stream, cached) => {
        const { gopCacheMaxFrames: maxFrames, gopCacheMaxBytes: maxBytes } = this.optionsFor(stream.vhost);
        logger?.warn({ stream: `${stream.app}/${stream.name}`, ...cached, maxFrames, maxBytes }, 'gop cache exceeds its bounds, dropped until the next keyframe');
      },
    };
  }

  /** The stream with that name, created if it does not exist yet. */
  acquire(vhost: string, app: string, name: string): Stream {
    const key = streamKey(vhost, app, name);
    let stream = this.streams.get(key);
    if (!stream) {
      stream = new Stream(vhost, app, name, this.optionsFor(vhost), this.events);
      this.streams.set(key, stream);
    }
    return stream;
  }

  find(vhost: string, app: string, name: string): Stream | undefined {
    return this.streams.get(streamKey(vhost, app, name));
  }

  list(): Stream[] {
    return [...this.streams.values()];
  }

  get size(): number {
    return this.streams.size;
  }

  /** Streams that are not a copy of another worker's (what the server's totals add up). */
  get ownSize(): number {
    let count = 0;
    for (const stream of this.streams.values()) if (!stream.publisher?.mirror) count++;
    return count;
  }

  /**
   * Totals since start: frames received, frames skipped for slow readers, readers disconnected
   * for not reading. Read from the streams' own counters (for metrics), never counted per frame here.
   */
  totals(): HubTotals {
    const totals = { ...this.retired };
    for (const stream of this.streams.values()) {
      totals.framesIn += stream.framesIn;
      for (const reader of stream.readers) totals.framesDropped += reader.stats?.framesDropped ?? 0;
    }
    return totals;
  }

  private remove(stream: Stream): void {
    if (this.streams.get(stream.key) !== stream) return;
    this.streams.delete(stream.key);
    this.retired.framesIn += stream.framesIn;
  }
}
