import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse, readJson, sendJson } from './http.js';
import { openApiDocument } from './openapi.js';
import { matchRoute, type Route } from './router.js';
import { sluiceRoutes, type RouteDeps } from './routes.js';

/** Answers one authorised request: the OpenAPI document aside, which needs no token. */
export type Handler = (request: IncomingMessage, response: ServerResponse, path: string, url: URL) => Promise<void>;

/** The routes, their validation and the OpenAPI document (loaded with the first request). */
export function createHandler(deps: RouteDeps, prefix: string): Handler {
  const routes = sluiceRoutes(deps);
  let document: unknown;
  return async (request, response, path, url) => {
    if (path === '/openapi.json' && request.method === 'GET') {
      document ??= openApiDocument(routes, prefix);
      return sendJson(response, 200, document);
    }
    const { route, params } = matchRoute(routes, request.method ?? 'GET', path);
    sendJson(response, route.status ?? 200, await run(route, params, request, url));
  };
}

async function run(route: Route, params: Record<string, string>, request: IncomingMessage, url: URL): Promise<unknown> {
  const query = route.query ? parse(route.query, Object.fromEntries(url.searchParams), 'query') : {};
  const body = route.body ? parse(route.body, await readJson(request), 'body') : undefined;
  // The answer is shaped by its schema: what the document promises is what is sent.
  return route.response.parse(await route.handle({ params, query, body, request }));
}
