import type { StreamIds } from '../../gate/identity.js';
import type { StreamHub } from '../../hub/stream-hub.js';
import type { RecordService } from '../../recorder/record-service.js';
import type { HttpRoute } from '../../servers/http/http-server.js';
import type { SessionRegistry } from '../../servers/sessions.js';
import type { Logger } from '../../util/logger.js';
import { PeerUnavailable, type ApiPeers } from '../api-routes.js';
import { ApiAuth, type ApiAuthStats } from './auth.js';
import { FigureHistory } from './figures.js';
import type { Handler } from './handler.js';
import { ApiError, sendError } from './http.js';
import { recordTasks } from './record-tasks.js';
import { MethodNotAllowed } from './router.js';
import type { RouteDeps, ServerFacts } from './routes.js';
import { serverViews } from './server-views.js';

export type { ApiAuthStats } from './auth.js';
export type { DeliveryLogView, ServerFacts } from './routes.js';

export const SLUICE_API_PREFIX = '/api/sluice/v1';
const FIGURE_INTERVAL_MS = 5000;

// Browsers on other origins (a console) may call with a token; tokens are no ambient credentials.
const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers': 'Authorization, Content-Type',
  'Access-Control-Allow-Methods': 'GET, POST, DELETE',
  'Access-Control-Max-Age': '600',
};

export type SluiceApiOptions = Omit<RouteDeps, 'views' | 'records' | 'server' | 'figureIntervalMs'> & {
  hub: StreamHub;
  sessions: SessionRegistry;
  streamIds: StreamIds;
  records: Pick<RecordService, 'start' | 'stop' | 'list' | 'forget' | 'onBegin'> | undefined;
  server: ServerFacts;
  logger: Logger;
  /** More routes under the prefix (relays), behind the same token check and CORS. */
  mounted?: HttpRoute[];
  /** The other workers, when there are several: every list and write covers them all. */
  peers?: ApiPeers | undefined;
};

/** Sluice's own API on the HTTP API port: the route, its token check's counters, and its timers. */
export interface SluiceApi {
  readonly route: HttpRoute;
  readonly auth: ApiAuthStats;
  stop(): void;
}

/**
 * /api/sluice/v1/: JSON routes for a console, each request checked against the bearer tokens,
 * its query and body validated by the same schemas the OpenAPI document is made from. The
 * figures are sampled from the start; the routes and their schemas are loaded with the first
 * request, so a server nobody queries does not hold them.
 */
export function sluiceApi(options: SluiceApiOptions): SluiceApi {
  const { hub, sessions, peers } = options;
  // Under workers each counts the streams it publishes or holds no copy of, so the sum is the server's.
  const figures = new FigureHistory(sessions, () => (peers ? hub.ownSize : sessions.listStreams().length), { intervalMs: FIGURE_INTERVAL_MS });
  const auth = new ApiAuth(() => options.config.current().http_api.api_token);
  // Siblings may ask this worker before anyone asks it: what they ask is served from the start.
  const sources = { findStream: (vhost: string, app: string, name: string) => hub.find(vhost, app, name), streamIds: options.streamIds };
  const deps: RouteDeps = {
    config: options.config,
    deliveries: options.deliveries,
    reload: options.reload,
    views: serverViews({ sessions, sources, figures, peers }),
    records: options.records && recordTasks(options.records, peers),
    // Every worker binds the same ports (SRT's shared), so any worker's facts are the server's.
    server: async () => options.server,
    figureIntervalMs: FIGURE_INTERVAL_MS,
  };
  let handler: Promise<Handler> | undefined;
  const load = (): Promise<Handler> => (handler ??= import('./handler.js').then(({ createHandler }) => createHandler(deps, SLUICE_API_PREFIX)));

  const route: HttpRoute = async (request, response, url) => {
    if (url.pathname !== SLUICE_API_PREFIX && !url.pathname.startsWith(`${SLUICE_API_PREFIX}/`)) return false;
    const path = url.pathname.slice(SLUICE_API_PREFIX.length) || '/';
    const cors = options.config.current().http_api.crossdomain && request.headers.origin !== undefined;
    if (cors) for (const [name, value] of Object.entries(CORS_HEADERS)) response.setHeader(name, value);
    if (cors && request.method === 'OPTIONS') {
      response.writeHead(204);
      response.end();
      return true;
    }
    try {
      // The document describes the API and holds no data: a console reads it before it has a token.
      if (path !== '/openapi.json') await auth.check(request);
      for (const mounted of options.mounted ?? []) if (await mounted(request, response, url)) return true;
      await (await load())(request, response, path, url);
    } catch (caught) {
      const error = caught instanceof PeerUnavailable ? new ApiError(503, 'unavailable', caught.message) : caught;
      if (!(error instanceof ApiError)) throw error;
      if (error.status === 401) options.logger.info({ ip: request.socket.remoteAddress, url: url.pathname }, `sluice api: ${error.message}`);
      const headers: Record<string, string> = {};
      if (error instanceof MethodNotAllowed) headers.Allow = error.allowed.join(', ');
      if (error.status === 401) headers['WWW-Authenticate'] = 'Bearer';
      // The rest of an oversize body is not read: the connection cannot be reused.
      if (error.status === 413) headers.Connection = 'close';
      if (!response.headersSent) sendError(response, error, headers);
    }
    return true;
  };
  return { route, auth, stop: () => figures.stop() };
}

