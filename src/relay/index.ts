import { readFileSync } from 'node:fs';
import type { ConfigSource } from '../config/source.js';
import type { Stream } from '../hub/stream.js';
import { ConfigError } from '../util/errors.js';
import type { Listeners } from '../util/listeners.js';
import type { Logger } from '../util/logger.js';
import { ForwardService, type ForwardAsker } from './forward-service.js';
import type { PusherOptions, PushStatus } from './pusher.js';
import type { SessionTracker } from '../servers/sessions.js';
import type { PullerDeps } from './puller.js';
import { PullService } from './pull-service.js';
import { PullStore } from './pull-store.js';
import { PushService } from './push-service.js';
import type { AdmissionRelays } from '../servers/context.js';
import { RestreamService } from './restream-service.js';
import { RestreamStore } from './restream-store.js';
import type { RelayMeters } from './meters.js';

export { RelayError } from './errors.js';
export type { PushState, PushStatus } from './pusher.js';

/** What the relays need of the hub. */
export interface RelayedHub {
  readonly published: Listeners<Stream>;
  readonly unpublished: Listeners<Stream>;
  acquire(vhost: string, app: string, name: string): Stream;
}

export interface RelaysOptions {
  /** Forward settings are read at each publish (a reload applies); the rest at start. */
  config: ConfigSource;
  hub: RelayedHub;
  gate: ForwardAsker & PullerDeps['gate'];
  sessions: SessionTracker;
  logger: Logger;
  meters?: RelayMeters;
  /**
   * Holds and starts the configured and saved pulls (false in all workers of `workers N` but the
   * first: theirs are only the pulls a notify on_play asks for).
   */
  startPulls?: boolean;
}

export interface Relays extends AdmissionRelays {
  readonly restream: RestreamService;
  readonly pulls: PullService;
  /** Every push under way, for the API. */
  pushes(): PushStatus[];
  close(): void;
}

function readCa(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ConfigError(`cannot read: ${(error as Error).message}`, 'relay.tls_ca', { cause: error });
  }
}

/** Builds forwarding, pushes, restreaming and pulls, and attaches it to the hub's publish events. */
export function startRelays({ config: source, hub, gate, sessions, logger, meters, startPulls = true }: RelaysOptions): Relays {
  const config = source.current();
  const vhost = (name: string) => {
    const vhosts = source.current().vhosts;
    return (vhosts[name] ?? vhosts.__defaultVhost__)!;
  };
  const relay = config.relay;
  const pushOptions: PusherOptions = {
    logger,
    ...(meters ? { meters } : {}),
    stepTimeoutMs: relay.connect_timeout,
    backoff: { initialMs: relay.retry_initial, maxMs: relay.retry_max, healthyMs: relay.retry_reset },
    ...(relay.tls_ca !== '' ? { ca: readCa(relay.tls_ca) } : {}),
  };
  const forward = new ForwardService((name) => vhost(name).forward, gate, pushOptions);
  const push = new PushService((name) => vhost(name).push, pushOptions);
  const restream = new RestreamService(new RestreamStore(config.data_dir), relay.restream, pushOptions);
  const held = startPulls ? relay : { ...relay, pull: [], virtual_live: { ...relay.virtual_live, streams: [] } };
  const pulls = new PullService(held, { stepTimeoutMs: relay.connect_timeout, ...(pushOptions.ca ? { ca: pushOptions.ca } : {}) }, {
    hub, gate, sessions, logger, backoff: pushOptions.backoff!, idleTimeoutMs: relay.connect_timeout, ...(meters ? { meters } : {}),
  }, startPulls ? new PullStore(config.data_dir) : undefined);
  if (startPulls) pulls.start();
  const removers = [
    hub.published.add((stream) => {
      forward.published(stream).catch((error: unknown) => logger.error({ err: error }, 'forward could not start'));
      restream.published(stream);
      push.published(stream);
    }),
    hub.unpublished.add((stream) => {
      forward.unpublished(stream);
      push.unpublished(stream);
      restream.unpublished(stream);
    }),
  ];
  return {
    restream,
    pulls,
    pushes: () => [...forward.list(), ...push.list(), ...restream.list().flatMap((target) => target.pushes)],
    relayTo: (stream, url) => push.relayTo(stream, url),
    pullFor: (vhost, app, name, url) => pulls.pullFor(vhost, app, name, url),
    close() {
      for (const remove of removers) remove();
      forward.close();
      push.close();
      restream.close();
      pulls.close();
    },
  };
}
