import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SluiceConfig } from '../config/schema.js';
import type { HttpRoute } from '../servers/http/http-server.js';
import { RelayRequestError } from '../relay/errors.js';
import { RestreamRequestError } from '../relay/restream-service.js';
import { SluiceError } from '../util/errors.js';
import { openExchange, type ApiExchange } from './api-http.js';
import { PeerUnavailable } from './api-routes.js';
import type { IngestSources, PullSources, RelaySources } from './relay-cluster.js';

const PREFIX = '/api/sluice/v1/relays';
const PULLS = '/api/sluice/v1/pulls';
const INGESTS = '/api/sluice/v1/ingests';
const MAX_BODY_BYTES = 16 * 1024;

/**
 * Restream targets and pushes:
 * GET relays (targets, every push, every pull), POST relays (add a target), GET/PATCH/DELETE relays/ID
 * (PATCH takes `{"enabled": bool}`). Answers `{"code":0,"data":...}`; a bad request gets its
 * HTTP status and `{"code":STATUS,"message":...}`.
 */
export function relayRoutes(api: () => SluiceConfig['http_api'], relays: RelaySources): HttpRoute {
  const handle = async (x: ApiExchange, id: string): Promise<unknown> => {
    if (id === '') {
      if (x.method === 'GET') return relays.overview();
      if (x.method === 'POST') return relays.add(await readJson(x.request));
    } else {
      if (x.method === 'GET') return relays.target(id);
      if (x.method === 'PATCH' || x.method === 'PUT') {
        const body = (await readJson(x.request)) as { enabled?: unknown };
        if (typeof body?.enabled !== 'boolean') throw new RestreamRequestError('expected {"enabled": true|false}', 400);
        return relays.setEnabled(id, body.enabled);
      }
      if (x.method === 'DELETE') {
        await relays.remove(id);
        return {};
      }
    }
    throw new MethodNotAllowed(x.method);
  };

  return route(api, PREFIX, handle);
}

/**
 * Pulls at run time: GET pulls (every pull), POST pulls with `{"url","app","stream","vhost"}`
 * (starts one), DELETE pulls/ID (stops it).
 */
export function pullRoutes(api: () => SluiceConfig['http_api'], pulls: PullSources): HttpRoute {
  return route(api, PULLS, async (x, id) => {
    if (id === '' && x.method === 'GET') return pulls.list();
    if (id === '' && x.method === 'POST') return pulls.add(await readJson(x.request));
    if (id !== '' && x.method === 'DELETE') {
      await pulls.remove(id);
      return {};
    }
    throw new MethodNotAllowed(x.method);
  });
}

/**
 * SRS ingests: GET ingests (each with its process's state), POST ingests/NAME/stop and
 * ingests/NAME/start (until its settings change at a reload).
 */
export function ingestRoutes(api: () => SluiceConfig['http_api'], ingests: IngestSources): HttpRoute {
  return route(api, INGESTS, async (x, id) => {
    if (id === '' && x.method === 'GET') return ingests.list();
    const [name, action] = id.split('/');
    if (name && x.method === 'POST' && action === 'start') return ingests.start(name);
    if (name && x.method === 'POST' && action === 'stop') return ingests.stop(name);
    throw new MethodNotAllowed(x.method);
  });
}

function route(api: () => SluiceConfig['http_api'], prefix: string, handle: (x: ApiExchange, id: string) => Promise<unknown>): HttpRoute {
  return async (request: IncomingMessage, response: ServerResponse, url: URL) => {
    const path = url.pathname.replace(/\/+$/, '');
    if (path !== prefix && !path.startsWith(`${prefix}/`)) return false;
    const x = openExchange(api(), request, response, url);
    if (!x) return true;
    const id = decodeURIComponent(path.slice(prefix.length + 1));
    try {
      x.json({ code: 0, data: await handle(x, id) });
    } catch (error) {
      if (error instanceof MethodNotAllowed) x.httpError(405, 'Method Not Allowed');
      else if (error instanceof RelayRequestError) answerError(response, error.status, error.message);
      else if (error instanceof PeerUnavailable) answerError(response, 503, error.message);
      else throw error;
    }
    return true;
  };
}

class MethodNotAllowed extends SluiceError {}

function answerError(response: ServerResponse, status: number, message: string): void {
  const body = JSON.stringify({ code: status, message });
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new RestreamRequestError(`body larger than ${MAX_BODY_BYTES} bytes`, 400);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new RestreamRequestError('the body is not JSON', 400);
  }
}
