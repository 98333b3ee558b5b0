import { DEFAULT_VHOST, type ForwardConfig } from '../config/schema.js';
import type { ClientSession } from '../gate/types.js';
import type { Stream } from '../hub/stream.js';
import type { PusherOptions } from './pusher.js';
import { StreamPushes } from './stream-pushes.js';

/** How the forwarder asks an on_forward backend (the gate does the HTTP). */
export interface ForwardAsker {
  forwardTargets(session: ClientSession, backend: string): Promise<string[]>;
}

/**
 * SRS `forward`: at each publish of a vhost that enables it, the stream is pushed to every
 * `destination` (same app and stream), or, when a `backend` is set, to every URL it names; the
 * pushes stop when the publisher leaves.
 */
export class ForwardService extends StreamPushes {
  constructor(
    private readonly configFor: (vhost: string) => ForwardConfig,
    private readonly asker: ForwardAsker,
    options: PusherOptions,
  ) {
    super(options, 'forward');
  }

  async published(stream: Stream): Promise<void> {
    const forward = this.configFor(stream.vhost);
    const session = stream.publisher?.session;
    if (!forward.enabled || !session) return;
    // As SRS: a backend, when set, replaces the destinations.
    let targets = forward.destination.map((dest) => ({ url: destinationUrl(dest, session), origin: 'forward' }));
    if (forward.backend !== '') {
      try {
        const urls = await this.asker.forwardTargets(session, forward.backend);
        targets = urls.map((url) => ({ url, origin: 'forward backend' }));
      } catch (error) {
        // The gate logged the call; the publish goes on, not forwarded (SRS would refuse it).
        this.options.logger.warn({ stream: `${stream.app}/${stream.name}`, error: (error as Error).message }, 'on_forward failed, this publish is not forwarded');
        return;
      }
      // The publisher may have left while the backend answered.
      if (stream.publisher?.session !== session) return;
    }
    for (const { url, origin } of targets) this.startPush(stream, url, origin);
  }
}

/** SRS's forward URL for a `host[:port]` destination: same app, stream and query, the vhost kept in the query. */
export function destinationUrl(destination: string, session: ClientSession): string {
  const server = /:\d+$/.test(destination) ? destination : `${destination}:1935`;
  let query = session.param;
  if (session.vhost !== DEFAULT_VHOST) query += `${query === '' ? '?' : '&'}vhost=${encodeURIComponent(session.vhost)}`;
  return `rtmp://${server}/${session.app}/${encodeURIComponent(session.stream)}${query}`;
}
