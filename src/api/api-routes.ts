import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConfigSource } from '../config/source.js';
import type { ServerIdentity, StreamIds } from '../gate/identity.js';
import type { StreamHub } from '../hub/stream-hub.js';
import type { SessionRegistry } from '../servers/sessions.js';
import type { HttpRoute } from '../servers/http/http-server.js';
import { SluiceError } from '../util/errors.js';
import { VERSION } from '../version.js';
import { openExchange, type ApiExchange } from './api-http.js';
import { rawApi, type RawApiOptions } from './raw-api.js';
import { FEATURES, ROOT_URLS, V1_TESTS, V1_URLS } from './api-texts.js';
import { clientObject, streamObject, vhostObject, type ObjectSources } from './srs-objects.js';
import { addRusages, processRusage, SystemStats } from './system-stats.js';

// srs_kernel_error.hpp
const ERROR_RTMP_VHOST_NOT_FOUND = 2014;
const ERROR_RTMP_STREAM_NOT_FOUND = 2048;
const ERROR_RTMP_CLIENT_NOT_FOUND = 2049;

export interface ApiOptions {
  /** Read per request: a reload applies to the next one. */
  config: ConfigSource;
  hub: StreamHub;
  sessions: SessionRegistry;
  identity: ServerIdentity;
  streamIds: StreamIds;
  vhostIds: StreamIds;
  raw: RawApiOptions;
  /** The other workers, when there are several: streams, clients, summaries and kicks cover them all. */
  peers?: ApiPeers;
}

/** What one worker holds: SRS stream and client objects, and its traffic totals. */
export interface LocalViews {
  streams(): Record<string, unknown>[];
  clients(): Record<string, unknown>[];
  traffic(): { sent: number; received: number; clients: number };
  vhosts(): Record<string, unknown>[];
  /** This process's getrusage (under workers the primary adds its own). */
  rusage(): Record<string, number | boolean>;
}

/** Another worker could not answer (it is restarting, or its answer failed); the request may be tried again. */
export class PeerUnavailable extends SluiceError {}

/** The sibling workers, asked through the primary. */
export interface ApiPeers {
  /** This worker's number, added to its client objects as `worker`. */
  readonly worker: number;
  /** The same view of every other worker. */
  gather<K extends keyof LocalViews>(view: K): Promise<Array<ReturnType<LocalViews[K]>>>;
  /** Ends the client on whichever other worker holds it; false when none does. */
  kick(id: string): Promise<boolean>;
  /**
   * Runs `op` on every other worker, or only on worker `only`, and resolves with their answers. A
   * worker that cannot answer (one restarting) is left out of a question to all.
   */
  ask<T>(op: string, arg?: unknown, only?: number): Promise<T[]>;
  /** What this worker answers when a sibling asks `op`. */
  serve(op: string, handler: (arg: any) => unknown): void;
}

/** The views of this process, for its API and for its siblings' (the primary asks). */
export function localViews(options: Pick<ApiOptions, 'config' | 'hub' | 'sessions' | 'streamIds' | 'vhostIds' | 'peers'>): LocalViews {
  const { sessions, hub } = options;
  const sources: ObjectSources = { config: options.config, findStream: (vhost, app, name) => hub.find(vhost, app, name), streamIds: options.streamIds, vhostIds: options.vhostIds };
  const worker = options.peers ? { worker: options.peers.worker } : {};
  return {
    streams: () => sessions.listStreams().map((s) => streamObject(sources, s, Date.now())),
    clients: () => sessions.listClients().map((c) => ({ ...clientObject(sources, c, Date.now()), ...worker })),
    traffic: () => ({ sent: sessions.total.sent, received: sessions.total.received, clients: sessions.size }),
    // A stream relayed here from another worker is counted by the worker that publishes it.
    vhosts: () => sessions.listVhosts().map((v) => vhostObject(sources, v, hub.list().filter((s) => s.vhost === v.name && s.publisher && !s.publisher.mirror).length)),
    rusage: processRusage,
  };
}

type Handler = (x: ApiExchange, id: string) => void | Promise<void>;

/**
 * SRS's HTTP API (srs_app_http_api.cpp), same paths, keys, key order and error codes. Collections
 * (`/api/v1/streams/`) also answer without the trailing slash, where SRS redirects to it.
 */
export function apiRoutes(options: ApiOptions): HttpRoute {
  const { config, sessions, identity, peers } = options;
  const local = localViews(options);
  const everywhere = async <K extends keyof LocalViews>(view: K): Promise<Array<ReturnType<LocalViews[K]>>> =>
    [local[view]() as ReturnType<LocalViews[K]>, ...(peers ? await peers.gather(view) : [])];
  const system = new SystemStats();
  const head = () => ({ code: 0, server: identity.serverId, service: identity.serviceId, pid: String(process.pid) });
  const answer = (x: ApiExchange, body: Record<string, unknown>): void => x.json({ ...head(), ...body });

  const exact: Record<string, Handler> = {
    '/api/v1/versions': (x) => {
      const [major, minor, revision] = VERSION.split('.').map(Number);
      answer(x, { data: { major, minor, revision, version: VERSION } });
    },
    '/api/v1/summaries': async (x) => {
      const traffic = (await everywhere('traffic')).reduce((sum, t) => ({ sent: sum.sent + t.sent, received: sum.received + t.received, clients: sum.clients + t.clients }));
      answer(x, { data: system.summaries(traffic) });
    },
    '/api/v1/rusages': async (x) => answer(x, { data: addRusages(await everywhere('rusage')) }),
    '/api/v1/meminfos': (x) => answer(x, { data: system.meminfo() }),
    '/api/v1/authors': (x) => answer(x, { data: { license: 'MIT', contributors: 'The Sluice authors' } }),
    '/api/v1/features': (x) => answer(x, { data: FEATURES }),
    '/api/v1/requests': (x) => answer(x, { data: requestInfo(x) }),
    '/api/v1/tests/requests': (x) => answer(x, { data: requestInfo(x) }),
    '/api/v1/raw': rawApi(options.raw),
  };

  const vhosts: Handler = async (x, id) => {
    const all = mergeVhosts(await everywhere('vhosts')).sort(byId);
    const found = id ? all.find((v) => v.id === id) : undefined;
    if (id && !found) return x.code(ERROR_RTMP_VHOST_NOT_FOUND);
    if (x.method !== 'GET') return x.httpError(405, 'Method Not Allowed');
    if (found) return answer(x, { vhost: found });
    answer(x, { vhosts: all });
  };

  const streams: Handler = async (x, id) => {
    const all = mergeStreams(await everywhere('streams')).sort(byId);
    const found = id ? all.find((s) => s.id === id) : undefined;
    if (id && !found) return x.code(ERROR_RTMP_STREAM_NOT_FOUND);
    if (x.method !== 'GET') return x.httpError(405, 'Method Not Allowed');
    if (found) return answer(x, { stream: found });
    answer(x, { streams: page(x.url, all) });
  };

  const clients: Handler = async (x, id) => {
    if (x.method === 'DELETE' && id) {
      if (sessions.client(id)) sessions.kick(id);
      else if (!(await peers?.kick(id))) return x.code(ERROR_RTMP_CLIENT_NOT_FOUND);
      return answer(x, {});
    }
    const all = (await everywhere('clients')).flat().sort(byId);
    const found = id ? all.find((c) => c.id === id) : undefined;
    if (id && !found) return x.code(ERROR_RTMP_CLIENT_NOT_FOUND);
    if (x.method !== 'GET') return x.httpError(405, 'Method Not Allowed');
    if (found) return answer(x, { client: found });
    answer(x, { clients: page(x.url, all) });
  };

  const collections: Array<[string, Handler]> = [
    ['/api/v1/vhosts/', vhosts],
    ['/api/v1/streams/', streams],
    ['/api/v1/clients/', clients],
  ];

  const dispatch = (x: ApiExchange): void => {
    const path = x.path;
    const handler = exact[path];
    if (handler) return run(x, handler, '');
    for (const [prefix, collection] of collections) {
      if (path === prefix.slice(0, -1)) return run(x, collection, '');
      if (path.startsWith(prefix)) return run(x, collection, decodeURIComponent(path.slice(prefix.length)));
    }
    // As SRS's mux: anything else under /api/v1/ lists the v1 API, under /api/ the API, else the root.
    if (path.startsWith('/api/v1/') || path === '/api/v1') return answer(x, { urls: V1_URLS, tests: V1_TESTS });
    if (path.startsWith('/api/') || path === '/api') return answer(x, { urls: { v1: 'the api version 1.0' } });
    answer(x, { urls: ROOT_URLS });
  };

  return (request: IncomingMessage, response: ServerResponse, url: URL) => {
    const exchange = openExchange(config.current().http_api, request, response, url);
    if (exchange) dispatch(exchange);
    return true;
  };
}

/**
 * One object per stream from every worker's: the counts and rates add up, and the publisher is
 * the worker's whose stream has one (the others hold a relayed copy).
 */
export function mergeStreams(perWorker: Array<Record<string, unknown>[]>): Record<string, unknown>[] {
  const merged = new Map<unknown, Record<string, unknown>>();
  for (const stream of perWorker.flat()) {
    const seen = merged.get(stream.id);
    if (!seen) {
      merged.set(stream.id, { ...stream });
      continue;
    }
    for (const key of ['clients', 'send_bytes', 'recv_bytes'] as const) seen[key] = Number(seen[key]) + Number(stream[key]);
    const [a, b] = [seen.kbps, stream.kbps] as Array<{ recv_30s: number; send_30s: number }>;
    seen.kbps = { recv_30s: a!.recv_30s + b!.recv_30s, send_30s: a!.send_30s + b!.send_30s };
    seen.frames = Math.max(Number(seen.frames), Number(stream.frames));
    if ('cid' in (stream.publish as object)) seen.publish = stream.publish;
    seen.video ??= stream.video;
    seen.audio ??= stream.audio;
  }
  return [...merged.values()];
}

/** One object per vhost from every worker's: clients, streams, bytes and rates add up. */
function mergeVhosts(perWorker: Array<Record<string, unknown>[]>): Record<string, unknown>[] {
  const merged = new Map<unknown, Record<string, unknown>>();
  for (const vhost of perWorker.flat()) {
    const seen = merged.get(vhost.id);
    if (!seen) {
      merged.set(vhost.id, { ...vhost });
      continue;
    }
    for (const key of ['clients', 'streams', 'send_bytes', 'recv_bytes'] as const) seen[key] = Number(seen[key]) + Number(vhost[key]);
    const [a, b] = [seen.kbps, vhost.kbps] as Array<{ recv_30s: number; send_30s: number }>;
    seen.kbps = { recv_30s: a!.recv_30s + b!.recv_30s, send_30s: a!.send_30s + b!.send_30s };
  }
  return [...merged.values()];
}

/** Runs a handler; one that waits for other workers and fails answers 503. */
function run(x: ApiExchange, handler: Handler, id: string): void {
  const done = handler(x, id);
  if (done) done.catch(() => x.httpError(503, 'Service Unavailable'));
}

/** SRS's paging: `start` from 0, `count` at least 10 (srs_max(10, count)). */
function page<T>(url: URL, items: T[]): T[] {
  const start = Math.max(0, Number.parseInt(url.searchParams.get('start') ?? '', 10) || 0);
  const count = Math.max(10, Number.parseInt(url.searchParams.get('count') ?? '', 10) || 0);
  return items.slice(start, start + count);
}

function byId(a: Record<string, unknown>, b: Record<string, unknown>): number {
  const [x, y] = [String(a.id), String(b.id)];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** SRS's request echo; its second `headers` replaces the request headers with the server's. */
function requestInfo(x: ApiExchange): Record<string, unknown> {
  return {
    uri: x.url.href,
    path: x.path,
    METHOD: x.method,
    headers: { sigature: 'Sluice', version: VERSION, time: Date.now() },
  };
}
