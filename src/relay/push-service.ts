import type { Stream } from '../hub/stream.js';
import type { Logger } from '../util/logger.js';
import { RelayError } from './errors.js';
import { Pusher, type PusherOptions, type PushStatus } from './pusher.js';
import { parseRtmpUrl, redactUrl } from './rtmp-client/rtmp-url.js';

/**
 * nginx-rtmp's pushes: the vhost's `push` URLs, started at every publish, and the relays a
 * notify `on_publish` asked for with a 3xx to an `rtmp://` URL. All stop when the publisher leaves.
 */
export class PushService {
  private readonly pushes = new Map<Stream, Pusher[]>();

  constructor(
    private readonly configFor: (vhost: string) => string[],
    private readonly options: PusherOptions,
  ) {}

  private get logger(): Logger {
    return this.options.logger;
  }

  published(stream: Stream): void {
    for (const url of this.configFor(stream.vhost)) this.start(stream, url, 'push');
  }

  /** Pushes the live stream to `url` as well (notify on_publish 3xx), until its publisher leaves. */
  relayTo(stream: Stream, url: string): void {
    if (!stream.publisher) return;
    this.start(stream, url, 'on_publish relay');
  }

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

  private start(stream: Stream, url: string, origin: string): void {
    const target = pushUrl(url, stream.name);
    let pusher: Pusher;
    try {
      pusher = new Pusher(stream, parseRtmpUrl(target), target, origin, this.options);
    } catch (error) {
      if (!(error instanceof RelayError)) throw error;
      this.logger.warn({ stream: `${stream.app}/${stream.name}`, origin, target: redactUrl(url) }, `push target refused: ${error.message}`);
      return;
    }
    const list = this.pushes.get(stream) ?? [];
    this.pushes.set(stream, [...list, pusher]);
    pusher.start();
  }
}

/** nginx-rtmp: `rtmp://HOST/APP` pushes under the published name, `rtmp://HOST/APP/NAME` under NAME. */
export function pushUrl(url: string, name: string): string {
  const [base = '', query] = url.split(/\?(.*)/s, 2);
  const path = base.replace(/^rtmps?:\/\/[^/]+\/?/i, '').replace(/\/+$/, '');
  if (path.includes('/')) return url;
  const named = `${base.replace(/\/+$/, '')}/${encodeURIComponent(name)}`;
  return query === undefined ? named : `${named}?${query}`;
}
