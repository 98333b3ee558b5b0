import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConfigSource } from '../config/source.js';
import type { ServerIdentity, StreamIds } from '../gate/identity.js';
import type { StreamHub } from '../hub/stream-hub.js';
import type { SessionRegistry } from '../servers/sessions.js';
import type { HttpRoute } from '../servers/http/http-server.js';
import { VERSION } from '../version.js';
import { openExchange, type ApiExchange } from './api-http.js';
import { rawApi, type RawApiOptions } from './raw-api.js';
import { FEATURES, ROOT_URLS, V1_TESTS, V1_URLS } from './api-texts.js';
import { clientObject, streamObject, vhostObject, type ObjectSources } from './srs-objects.js';
import { SystemStats } from './system-stats.js';

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
}

type Handler = (x: ApiExchange, id: string) => void;

/**
 * SRS's HTTP API (srs_app_http_api.cpp), same paths, keys, key order and error codes. Collections
 * (`/api/v1/streams/`) also answer without the trailing slash, where SRS redirects to it.
 */
export function apiRoutes(options: ApiOptions): HttpRoute {
  const { config, hub, sessions, identity } = options;
  const system = new SystemStats();
  const sources: ObjectSources = {
    config,
    findStream: (vhost, app, name) => hub.find(vhost, app, name),
    streamIds: options.streamIds,
    vhostIds: options.vhostIds,
  };
  const head = () => ({ code: 0, server: identity.serverId, service: identity.serviceId, pid: String(process.pid) });
  const answer = (x: ApiExchange, body: Record<string, unknown>): void => x.json({ ...head(), ...body });

  const exact: Record<string, Handler> = {
    '/api/v1/versions': (x) => {
      const [major, minor, revision] = VERSION.split('.').map(Number);
      answer(x, { data: { major, minor, revision, version: VERSION } });
    },
    '/api/v1/summaries': (x) =>
      answer(x, { data: system.summaries({ sent: sessions.total.sent, received: sessions.total.received, clients: sessions.size }) }),
    '/api/v1/rusages': (x) => answer(x, { data: system.rusages() }),
    '/api/v1/meminfos': (x) => answer(x, { data: system.meminfo() }),
    '/api/v1/authors': (x) => answer(x, { data: { license: 'MIT', contributors: 'The Sluice authors' } }),
    '/api/v1/features': (x) => answer(x, { data: FEATURES }),
    '/api/v1/requests': (x) => answer(x, { data: requestInfo(x) }),
    '/api/v1/tests/requests': (x) => answer(x, { data: requestInfo(x) }),
    '/api/v1/raw': rawApi(options.raw),
  };

  const vhosts: Handler = (x, id) => {
    const list = sessions.listVhosts();
    const published = (name: string): number => hub.list().filter((s) => s.vhost === name && s.publisher).length;
    const found = id ? list.find((v) => options.vhostIds.of(v.name) === id) : undefined;
    if (id && !found) return x.code(ERROR_RTMP_VHOST_NOT_FOUND);
    if (x.method !== 'GET') return x.httpError(405, 'Method Not Allowed');
    if (found) return answer(x, { vhost: vhostObject(sources, found, published(found.name)) });
    const sorted = list.map((v) => vhostObject(sources, v, published(v.name))).sort(byId);
    answer(x, { vhosts: sorted });
  };

  const streams: Handler = (x, id) => {
    const now = Date.now();
    const all = sessions.listStreams().map((s) => streamObject(sources, s, now)).sort(byId);
    const found = id ? all.find((s) => s.id === id) : undefined;
    if (id && !found) return x.code(ERROR_RTMP_STREAM_NOT_FOUND);
    if (x.method !== 'GET') return x.httpError(405, 'Method Not Allowed');
    if (found) return answer(x, { stream: found });
    answer(x, { streams: page(x.url, all) });
  };

  const clients: Handler = (x, id) => {
    const found = id ? sessions.client(id) : undefined;
    if (id && !found) return x.code(ERROR_RTMP_CLIENT_NOT_FOUND);
    const now = Date.now();
    if (x.method === 'GET') {
      if (found) return answer(x, { client: clientObject(sources, found, now) });
      return answer(x, { clients: page(x.url, sessions.listClients()).map((c) => clientObject(sources, c, now)) });
    }
    if (x.method === 'DELETE') {
      if (!found) return x.code(ERROR_RTMP_CLIENT_NOT_FOUND);
      sessions.kick(id);
      return answer(x, {});
    }
    x.httpError(405, 'Method Not Allowed');
  };

  const collections: Array<[string, Handler]> = [
    ['/api/v1/vhosts/', vhosts],
    ['/api/v1/streams/', streams],
    ['/api/v1/clients/', clients],
  ];

  const dispatch = (x: ApiExchange): void => {
    const path = x.path;
    const handler = exact[path];
    if (handler) return handler(x, '');
    for (const [prefix, collection] of collections) {
      if (path === prefix.slice(0, -1)) return collection(x, '');
      if (path.startsWith(prefix)) return collection(x, decodeURIComponent(path.slice(prefix.length)));
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
