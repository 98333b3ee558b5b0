import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpRoute } from '../../servers/http/http-server.js';
import type { Logger } from '../../util/logger.js';
import { ApiAuth, type ApiAuthStats } from './auth.js';
import { FigureHistory } from './figures.js';
import { ApiError, parse, readJson, sendError, sendJson } from './http.js';
import { openApiDocument } from './openapi.js';
import { matchRoute, MethodNotAllowed, type Route } from './router.js';
import { sluiceRoutes, type RouteDeps } from './routes.js';

export type { ApiAuthStats } from './auth.js';
export type { DeliveryLogView, RecordTasks } from './routes.js';

export const SLUICE_API_PREFIX = '/api/sluice/v1';
const FIGURE_INTERVAL_MS = 5000;

export type SluiceApiOptions = Omit<RouteDeps, 'figures' | 'figureIntervalMs'> & { logger: Logger };

/** Sluice's own API on the HTTP API port: the route, its token check's counters, and its timers. */
export interface SluiceApi {
  readonly route: HttpRoute;
  readonly auth: ApiAuthStats;
  stop(): void;
}

/**
 * /api/sluice/v1/: JSON routes for a console, each request checked against the bearer tokens,
 * its query and body validated by the same schemas the OpenAPI document is made from.
 */
export function sluiceApi(options: SluiceApiOptions): SluiceApi {
  const figures = new FigureHistory(options.sessions, () => options.sessions.listStreams().length, { intervalMs: FIGURE_INTERVAL_MS });
  const routes = sluiceRoutes({ ...options, figures, figureIntervalMs: FIGURE_INTERVAL_MS });
  const auth = new ApiAuth(options.config.http_api.api_token);
  let document: unknown;

  const answer = async (request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> => {
    const path = url.pathname.slice(SLUICE_API_PREFIX.length) || '/';
    // The document describes the API, it holds no data: a console reads it before it has a token.
    if (path === '/openapi.json' && request.method === 'GET') {
      document ??= openApiDocument(routes, SLUICE_API_PREFIX);
      return sendJson(response, 200, document);
    }
    await auth.check(request);
    const { route, params } = matchRoute(routes, request.method ?? 'GET', path);
    const status = route.status ?? 200;
    sendJson(response, status, await run(route, params, request, url));
  };

  const httpRoute: HttpRoute = async (request, response, url) => {
    if (url.pathname !== SLUICE_API_PREFIX && !url.pathname.startsWith(`${SLUICE_API_PREFIX}/`)) return false;
    try {
      await answer(request, response, url);
    } catch (error) {
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
  return { route: httpRoute, auth, stop: () => figures.stop() };
}

async function run(route: Route, params: Record<string, string>, request: IncomingMessage, url: URL): Promise<unknown> {
  const query = route.query ? parse(route.query, Object.fromEntries(url.searchParams), 'query') : {};
  const body = route.body ? parse(route.body, await readJson(request), 'body') : undefined;
  // The answer is shaped by its schema: what the document promises is what is sent.
  return route.response.parse(await route.handle({ params, query, body, request }));
}
