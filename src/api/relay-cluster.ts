import type { IngestService, IngestStatus } from '../relay/ingest/ingest-service.js';
import { RelayRequestError } from '../relay/errors.js';
import type { PullService } from '../relay/pull-service.js';
import type { PullStatus } from '../relay/puller.js';
import type { PushStatus } from '../relay/pusher.js';
import type { RestreamService, RestreamView } from '../relay/restream-service.js';
import type { ApiPeers } from './api-routes.js';

/** Restream targets and pushes, as the relay routes see them: the whole server's. */
export interface RelaySources {
  overview(): Promise<{ targets: RestreamView[]; pushes: PushStatus[]; pulls: PullStatus[] }>;
  target(id: string): Promise<RestreamView>;
  add(input: unknown): Promise<RestreamView>;
  setEnabled(id: string, enabled: boolean): Promise<RestreamView>;
  remove(id: string): Promise<void>;
}

export interface PullSources {
  list(): Promise<PullStatus[]>;
  add(input: unknown): Promise<PullStatus>;
  remove(id: string): Promise<void>;
}

export interface IngestSources {
  list(): Promise<IngestStatus[]>;
  start(name: string): Promise<IngestStatus>;
  stop(name: string): Promise<IngestStatus>;
}

export interface LocalRelays {
  restream: Pick<RestreamService, 'list' | 'get' | 'add' | 'setEnabled' | 'remove'>;
  pushes(): PushStatus[];
  pulls: Pick<PullService, 'list' | 'add' | 'remove'>;
}

type Change = { op: 'add'; input: unknown } | { op: 'enable'; id: string; enabled: boolean } | { op: 'remove'; id: string };

/**
 * Every worker holds the same restream targets and pushes those of the streams published on it:
 * a change is made where the request lands (which saves it), then in every other worker.
 */
export function relaySources(local: LocalRelays, peers?: ApiPeers): RelaySources {
  const here = () => ({ targets: local.restream.list(), pushes: local.pushes(), pulls: local.pulls.list() });
  const apply = (change: Change, persist: boolean): unknown => {
    if (change.op === 'add') return local.restream.add(change.input, persist);
    if (change.op === 'enable') return local.restream.setEnabled(change.id, change.enabled, persist);
    return local.restream.remove(change.id, persist);
  };
  // A worker that is restarting reads the saved list when it starts.
  const everywhere = async <T>(change: Change): Promise<T> => {
    const result = apply(change, true) as T;
    await peers?.ask('relays.apply', change);
    return result;
  };
  const gather = async (): Promise<ReturnType<typeof here>> => {
    const all = [here(), ...(peers ? await peers.ask<ReturnType<typeof here>>('relays.here') : [])];
    return { targets: mergeTargets(all.map((w) => w.targets)), pushes: all.flatMap((w) => w.pushes), pulls: all.flatMap((w) => w.pulls) };
  };
  if (peers) {
    peers.serve('relays.here', here);
    peers.serve('relays.apply', (change: Change) => settle(() => apply(change, false)));
  }
  return {
    overview: gather,
    target: async (id) => {
      local.restream.get(id);
      return (await gather()).targets.find((target) => target.id === id)!;
    },
    add: async (input) => {
      const added = apply({ op: 'add', input }, true) as RestreamView;
      // The id is given to the others, so the target is the same one everywhere (the key is the input's, not the view's).
      await peers?.ask('relays.apply', { op: 'add', input: { ...(input as object), id: added.id } } satisfies Change);
      return added;
    },
    setEnabled: (id, enabled) => everywhere({ op: 'enable', id, enabled }),
    remove: (id) => everywhere({ op: 'remove', id }),
  };
}

/** Pulls added through the API run in worker 1, with the configured and saved ones. */
export function pullSources(pulls: LocalRelays['pulls'], peers?: ApiPeers): PullSources {
  if (peers) {
    peers.serve('pulls.list', () => pulls.list());
    peers.serve('pulls.add', (input: unknown) => settle(() => pulls.add(input)));
    peers.serve('pulls.remove', (id: string) => settle(() => pulls.remove(id)));
  }
  const remote = peers && peers.worker !== 1 ? peers : undefined;
  return {
    list: async () => [pulls.list(), ...(peers ? await peers.ask<PullStatus[]>('pulls.list') : [])].flat(),
    add: async (input) => (remote ? unsettle<PullStatus>(remote, 'pulls.add', input) : pulls.add(input)),
    remove: async (id) => (remote ? unsettle<void>(remote, 'pulls.remove', id) : pulls.remove(id)),
  };
}

/** SRS ingests run in worker 1. */
export function ingestSources(ingests: Pick<IngestService, 'list' | 'start' | 'stop'>, peers?: ApiPeers): IngestSources {
  if (peers) {
    peers.serve('ingests.list', () => ingests.list());
    peers.serve('ingests.start', (name: string) => settle(() => ingests.start(name)));
    peers.serve('ingests.stop', (name: string) => settle(() => ingests.stop(name)));
  }
  const remote = peers && peers.worker !== 1 ? peers : undefined;
  return {
    list: async () => [ingests.list(), ...(peers ? await peers.ask<IngestStatus[]>('ingests.list') : [])].flat(),
    start: async (name) => (remote ? unsettle<IngestStatus>(remote, 'ingests.start', name) : ingests.start(name)),
    stop: async (name) => (remote ? unsettle<IngestStatus>(remote, 'ingests.stop', name) : ingests.stop(name)),
  };
}

/** One target per id: the settings are the same everywhere, the pushes are each worker's. */
function mergeTargets(perWorker: RestreamView[][]): RestreamView[] {
  const merged = new Map<string, RestreamView>();
  for (const target of perWorker.flat()) {
    const seen = merged.get(target.id);
    merged.set(target.id, seen ? { ...seen, pushes: [...seen.pushes, ...target.pushes] } : target);
  }
  return [...merged.values()];
}

// A refused request crosses to the asking worker as a value, so it keeps its HTTP status.
type Settled = { value: unknown } | { refused: { message: string; status: 400 | 404 } };

function settle(run: () => unknown): Settled {
  try {
    return { value: run() };
  } catch (error) {
    if (error instanceof RelayRequestError) return { refused: { message: error.message, status: error.status } };
    throw error;
  }
}

async function unsettle<T>(peers: ApiPeers, op: string, arg: unknown): Promise<T> {
  const [answer] = await peers.ask<Settled>(op, arg, 1);
  if (answer && 'refused' in answer) throw new RelayRequestError(answer.refused.message, answer.refused.status);
  return (answer as { value: T }).value;
}
