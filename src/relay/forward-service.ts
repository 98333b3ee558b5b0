import { DEFAULT_VHOST, type ForwardConfig } from '../config/schema.js';
import type { ClientSession } from '../gate/types.js';
import type { Stream } from '../hub/stream.js';
import type { Logger } from '../util/logger.js';
import { RelayError } from './errors.js';
import { Pusher, type PusherOptions, type PushStatus } from './pusher.js';
import { parseRtmpUrl, redactUrl } from './rtmp-client/rtmp-url.js';

/** How the forwarder asks an on_forward backend (the gate does the HTTP). */
export interface ForwardAsker {
  forwardTargets(session: ClientSession, backend: string): Promise<string[]>;
}

/**
 * SRS `forward`: at each publish of a vhost that enables it, the stream is pushed to every
 * `destination` (same app and stream), or, when a `backend` is set, to every URL it names; the
 * pushes stop when the publisher leaves.
 */
export class ForwardService {
  private readonly pushes = new Map<Stream, Pusher[]>();

  constructor(
    private readonly configFor: (vhost: string) => ForwardConfig,
    private readonly asker: ForwardAsker,
    private readonly options: PusherOptions,
  ) {}

  private get logger(): Logger {
    return this.options.logger;
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
        this.logger.warn({ stream: `${stream.app}/${stream.name}`, error: (error as Error).message }, 'on_forward failed, this publish is not forwarded');
        return;
      }
      // The publisher may have left while the backend answered.
      if (stream.publisher?.session !== session) return;
    }
    const pushers = targets.flatMap(({ url, origin }) => this.pusher(stream, url, origin));
    this.pushes.set(stream, pushers);
    for (const pusher of pushers) pusher.start();
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

  private pusher(stream: Stream, url: string, origin: string): Pusher[] {
    try {
      return [new Pusher(stream, parseRtmpUrl(url), url, origin, this.options)];
    } catch (error) {
      if (!(error instanceof RelayError)) throw error;
      this.logger.warn({ stream: `${stream.app}/${stream.name}`, origin, target: redactUrl(url) }, `forward target refused: ${error.message}`);
      return [];
    }
  }
}

/** SRS's forward URL for a `host[:port]` destination: same app, stream and query, the vhost kept in the query. */
export function destinationUrl(destination: string, session: ClientSession): string {
  const server = /:\d+$/.test(destination) ? destination : `${destination}:1935`;
  let query = session.param;
  if (session.vhost !== DEFAULT_VHOST) query += `${query === '' ? '?' : '&'}vhost=${encodeURIComponent(session.vhost)}`;
  return `rtmp://${server}/${session.app}/${encodeURIComponent(session.stream)}${query}`;
}
