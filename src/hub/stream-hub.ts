import { Listeners } from '../util/listeners.js';
import type { Logger } from '../util/logger.js';
import { Stream, streamKey, type StreamEvents, type StreamOptions } from './stream.js';

/**
 * The registry of live streams: created on first use, removed when nobody uses them. Tells
 * listeners (HLS, recorders, forwarders) when a stream starts and stops publishing.
 */
export class StreamHub {
  private readonly streams = new Map<string, Stream>();
  readonly published: Listeners<Stream>;
  readonly unpublished: Listeners<Stream>;
  private readonly events: StreamEvents;

  constructor(
    private readonly optionsFor: (vhost: string) => StreamOptions,
    onListenerError: (error: unknown) => void,
    logger?: Logger,
  ) {
    this.published = new Listeners(onListenerError);
    this.unpublished = new Listeners(onListenerError);
    this.events = {
      published: (stream) => this.published.emit(stream),
      unpublished: (stream) => this.unpublished.emit(stream),
      idle: (stream) => this.remove(stream),
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

  private remove(stream: Stream): void {
    if (this.streams.get(stream.key) === stream) this.streams.delete(stream.key);
  }
}
