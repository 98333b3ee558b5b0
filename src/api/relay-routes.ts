import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SluiceConfig } from '../config/schema.js';
import type { HttpRoute } from '../servers/http/http-server.js';
import type { PushStatus } from '../relay/pusher.js';
import { RestreamRequestError, type RestreamService } from '../relay/restream-service.js';
import { SluiceError } from '../util/errors.js';
import { openExchange, type ApiExchange } from './api-http.js';

const PREFIX = '/api/sluice/v1/relays';
const MAX_BODY_BYTES = 16 * 1024;

export interface RelayApiSources {
  restream: RestreamService;
  /** Every push under way (forward and restream). */
  pushes(): PushStatus[];
  pulls: { list(): unknown[] };
}

/**
 * Restream targets and pushes:
 * GET relays (targets, every push, every pull), POST relays (add a target), GET/PATCH/DELETE relays/ID
 * (PATCH takes `{"enabled": bool}`). Answers `{"code":0,"data":...}`; a bad request gets its
 * HTTP status and `{"code":STATUS,"message":...}`.
 */
export function relayRoutes(api: () => SluiceConfig['http_api'], sources: RelayApiSources): HttpRoute {
  const { restream } = sources;
  const handle = async (x: ApiExchange, id: string): Promise<unknown> => {
    if (id === '') {
      if (x.method === 'GET') return { targets: restream.list(), pushes: sources.pushes(), pulls: sources.pulls.list() };
      if (x.method === 'POST') return restream.add(await readJson(x.request));
    } else {
      if (x.method === 'GET') return restream.get(id);
      if (x.method === 'PATCH' || x.method === 'PUT') {
        const body = (await readJson(x.request)) as { enabled?: unknown };
        if (typeof body?.enabled !== 'boolean') throw new RestreamRequestError('expected {"enabled": true|false}', 400);
        return restream.setEnabled(id, body.enabled);
      }
      if (x.method === 'DELETE') {
        restream.remove(id);
        return {};
      }
    }
    throw new MethodNotAllowed(x.method);
  };

  return async (request: IncomingMessage, response: ServerResponse, url: URL) => {
    const path = url.pathname.replace(/\/+$/, '');
    if (path !== PREFIX && !path.startsWith(`${PREFIX}/`)) return false;
    const x = openExchange(api(), request, response, url);
    if (!x) return true;
    const id = decodeURIComponent(path.slice(PREFIX.length + 1));
    try {
      x.json({ code: 0, data: await handle(x, id) });
    } catch (error) {
      if (error instanceof MethodNotAllowed) x.httpError(405, 'Method Not Allowed');
      else if (error instanceof RestreamRequestError) answerError(response, error.status, error.message);
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
