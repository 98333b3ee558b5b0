import type { Stream } from '../hub/stream.js';
import { RelayError } from './errors.js';
import { Pusher, type PusherOptions, type PushStatus } from './pusher.js';
import { parseRtmpUrl, redactUrl } from './rtmp-client/rtmp-url.js';

/**
 * What push and forward share: the pushes of each published stream, started one by one by the
 * subclass at publish, all stopped when its publisher leaves, listed for the API.
 */
export abstract class StreamPushes {
  private readonly pushes = new Map<Stream, Pusher[]>();

  /** `kind` names the pushes in log lines (`forward`, `push`). */
  protected constructor(
    protected readonly options: PusherOptions,
    private readonly kind: 'forward' | 'push',
  ) {}

  /** Pushes `stream` to `url`; a URL that cannot be pushed to is refused with a log line. */
  protected startPush(stream: Stream, url: string, origin: string): void {
    let pusher: Pusher;
    try {
      pusher = new Pusher(stream, parseRtmpUrl(url), url, origin, { ...this.options, kind: this.kind });
    } catch (error) {
      if (!(error instanceof RelayError)) throw error;
      this.options.logger.warn({ stream: `${stream.app}/${stream.name}`, origin, target: redactUrl(url) }, `${this.kind} target refused: ${error.message}`);
      return;
    }
    this.pushes.set(stream, [...(this.pushes.get(stream) ?? []), pusher]);
    pusher.start();
  }

  /** Stops every push of `stream` (its publisher left). */
  unpublished(stream: Stream): void {
    for (const pusher of this.pushes.get(stream) ?? []) pusher.stop('the publisher left');
    this.pushes.delete(stream);
  }

  list(): PushStatus[] {
    return [...this.pushes.values()].flat().map((pusher) => pusher.status());
  }

  close(): void {
    for (const stream of [...this.pushes.keys()]) this.unpublished(stream);
  }
}
