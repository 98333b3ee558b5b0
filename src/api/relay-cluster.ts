import type { IngestService, IngestStatus } from '../relay/ingest/ingest-service.js';
import { RelayRequestError } from '../relay/errors.js';
import type { PullService } from '../relay/pull-service.js';
import type { PullStatus } from '../relay/puller.js';
import type { PushStatus } from '../relay/pusher.js';
import type { RestreamService, RestreamView } from '../relay/restream-service.js';
import { randomId } from '../util/ids.js';
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
  const gather = async (): Promise<ReturnType<typeof here>> => {
    const all = [here(), ...(peers ? await peers.ask<ReturnType<typeof here>>('relays.here') : [])];
    return { targets: mergeTargets(all.map((w) => w.targets)), pushes: all.flatMap((w) => w.pushes), pulls: all.flatMap((w) => w.pulls) };
  };
  const target = async (id: string): Promise<RestreamView> => {
    local.restream.get(id);
    return (await gather()).targets.find((t) => t.id === id)!;
  };
  // Made here (refused here if bad), then in the others; a worker that is restarting reads the saved list.
  const everywhere = async (change: Change): Promise<void> => {
    apply(change, true);
    await peers?.ask('relays.apply', change);
  };
  if (peers) {
    peers.serve('relays.here', here);
    peers.serve('relays.apply', (change: Change) => settle(() => apply(change, false)));
  }
  return {
    overview: gather,
    target,
    add: async (input) => {
      // The id goes with the input, so the target is the same one everywhere (and the key is the input's, not the view's).
      const named = typeof input === 'object' && input !== null && !Array.isArray(input) && !('id' in input) ? { ...input, id: randomId() } : input;
      await everywhere({ op: 'add', input: named });
      return target((named as { id: string }).id);
    },
    setEnabled: async (id, enabled) => {
      await everywhere({ op: 'enable', id, enabled });
      return target(id);
    },
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
