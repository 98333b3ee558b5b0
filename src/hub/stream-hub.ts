import { Stream, streamKey, type StreamOptions } from './stream.js';

/** The registry of live streams: created on first use, removed when nobody uses them. */
export class StreamHub {
  private readonly streams = new Map<string, Stream>();

  constructor(private readonly optionsFor: (vhost: string) => StreamOptions) {}

  /** The stream with that name, created if it does not exist yet. */
  acquire(vhost: string, app: string, name: string): Stream {
    const key = streamKey(vhost, app, name);
    let stream = this.streams.get(key);
    if (!stream) {
      stream = new Stream(vhost, app, name, this.optionsFor(vhost), (idle) => this.remove(idle));
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
