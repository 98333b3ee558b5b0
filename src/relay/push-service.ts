import type { Stream } from '../hub/stream.js';
import type { PusherOptions } from './pusher.js';
import { StreamPushes } from './stream-pushes.js';

/**
 * nginx-rtmp's pushes: the vhost's `push` URLs, started at every publish, and the relays a
 * notify `on_publish` asked for with a 3xx to an `rtmp://` URL. All stop when the publisher leaves.
 */
export class PushService extends StreamPushes {
  constructor(
    private readonly configFor: (vhost: string) => string[],
    options: PusherOptions,
  ) {
    super(options, 'push');
  }

  published(stream: Stream): void {
    for (const url of this.configFor(stream.vhost)) this.startPush(stream, pushUrl(url, stream.name), 'push');
  }

  /** Pushes the live stream to `url` as well (notify on_publish 3xx), until its publisher leaves. */
  relayTo(stream: Stream, url: string): void {
    if (stream.publisher) this.startPush(stream, pushUrl(url, stream.name), 'on_publish relay');
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
