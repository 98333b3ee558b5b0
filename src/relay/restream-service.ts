import { configSchemas } from '../config/schema.js';
import type { Stream } from '../hub/stream.js';
import { randomId } from '../util/ids.js';
import { Pusher, type PusherOptions, type PushStatus } from './pusher.js';
import { RelayRequestError } from './errors.js';
import type { RestreamStore, RestreamTarget, RestreamTargetInput } from './restream-store.js';
import { parseRtmpUrl, redactUrl } from './rtmp-client/rtmp-url.js';

/** A target as the API shows it: the key cut, with the pushes under way. */
export interface RestreamView extends Omit<RestreamTarget, 'key'> {
  key: string;
  pushes: PushStatus[];
}

/** A request the service cannot do: a bad target, an unknown id. */
export class RestreamRequestError extends RelayRequestError {}

/**
 * Oryx-style multi-platform restream: a list of targets (server URL + stream key), each pushed
 * every publish of its app (or of one stream). Targets come from the config and the data
 * directory; they can be added, enabled, disabled and removed while streams are live.
 */
export class RestreamService {
  private readonly targets = new Map<string, RestreamTarget>();
  /** Pushes under way, by target id then stream. */
  private readonly pushes = new Map<string, Map<Stream, Pusher>>();
  private readonly live = new Set<Stream>();

  constructor(
    private readonly store: RestreamStore,
    configured: RestreamTargetInput[],
    private readonly options: PusherOptions,
  ) {
    for (const target of store.load()) this.targets.set(target.id, target);
    // Config targets are added once; after that the stored copy (enabled or not) wins.
    let added = false;
    for (const input of configured) {
      const target = this.validate(input);
      if (this.targets.has(target.id)) continue;
      this.targets.set(target.id, target);
      added = true;
    }
    if (added) this.save();
  }

  published(stream: Stream): void {
    this.live.add(stream);
    for (const target of this.targets.values()) if (target.enabled && matches(target, stream)) this.startPush(target, stream);
  }

  unpublished(stream: Stream): void {
    this.live.delete(stream);
    for (const byStream of this.pushes.values()) {
      byStream.get(stream)?.stop('the publisher left');
      byStream.delete(stream);
    }
  }

  list(): RestreamView[] {
    return [...this.targets.values()].map((target) => this.view(target));
  }

  get(id: string): RestreamView {
    return this.view(this.find(id));
  }

  /** `persist` false: another worker took the request and saves the list (workers share the data directory). */
  add(input: unknown, persist = true): RestreamView {
    const target = this.validate(input);
    if (this.targets.has(target.id)) throw new RestreamRequestError(`a target with id ${target.id} exists`, 400);
    this.targets.set(target.id, target);
    if (persist) this.save();
    this.options.logger.info({ target: target.id, app: target.app, stream: target.stream, url: redactUrl(targetUrl(target)) }, 'restream target added');
    if (target.enabled) for (const stream of this.live) if (matches(target, stream)) this.startPush(target, stream);
    return this.view(target);
  }

  setEnabled(id: string, enabled: boolean, persist = true): RestreamView {
    const target = this.find(id);
    if (target.enabled !== enabled) {
      target.enabled = enabled;
      if (persist) this.save();
      this.options.logger.info({ target: id, enabled }, `restream target ${enabled ? 'enabled' : 'disabled'}`);
      if (enabled) {
        for (const stream of this.live) if (matches(target, stream)) this.startPush(target, stream);
      } else {
        this.stopPushes(id, 'target disabled');
      }
    }
    return this.view(target);
  }

  remove(id: string, persist = true): void {
    this.find(id);
    this.stopPushes(id, 'target removed');
    this.targets.delete(id);
    if (persist) this.save();
    this.options.logger.info({ target: id }, 'restream target removed');
  }

  close(): void {
    for (const id of this.pushes.keys()) this.stopPushes(id, 'server stopping');
  }

  private startPush(target: RestreamTarget, stream: Stream): void {
    let byStream = this.pushes.get(target.id);
    if (!byStream) this.pushes.set(target.id, (byStream = new Map()));
    if (byStream.has(stream)) return;
    const url = targetUrl(target);
    const pusher = new Pusher(stream, parseRtmpUrl(url), url, target.id, this.options);
    byStream.set(stream, pusher);
    pusher.start();
  }

  private stopPushes(id: string, reason: string): void {
    for (const pusher of this.pushes.get(id)?.values() ?? []) pusher.stop(reason);
    this.pushes.delete(id);
  }

  private find(id: string): RestreamTarget {
    const target = this.targets.get(id);
    if (!target) throw new RestreamRequestError(`no restream target ${id}`, 404);
    return target;
  }

  private validate(input: unknown): RestreamTarget {
    const result = configSchemas().restreamTarget.safeParse(input);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      throw new RestreamRequestError(`${issue.path.join('.') || 'target'}: ${issue.message}`, 400);
    }
    const target = { ...result.data, id: result.data.id ?? randomId() };
    try {
      parseRtmpUrl(targetUrl(target));
    } catch (error) {
      throw new RestreamRequestError((error as Error).message, 400);
    }
    return target;
  }

  private view(target: RestreamTarget): RestreamView {
    const pushes = [...(this.pushes.get(target.id)?.values() ?? [])].map((pusher) => pusher.status());
    return { ...target, key: redactKey(target.key), pushes };
  }

  private save(): void {
    this.store.save([...this.targets.values()]);
  }
}

export function targetUrl(target: Pick<RestreamTarget, 'server' | 'key'>): string {
  return `${target.server.replace(/\/+$/, '')}/${target.key}`;
}

function matches(target: RestreamTarget, stream: Stream): boolean {
  return target.app === stream.app && (target.stream === '' || target.stream === stream.name);
}

function redactKey(key: string): string {
  return key.length > 4 ? `${key.slice(0, 2)}…` : '…';
}
