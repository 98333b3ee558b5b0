import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SluiceConfig } from '../config/schema.js';

/** SRS's ERROR_HTTP_JSONP: a `callback` with characters other than letters, digits, `.`, `_`, `-`. */
const ERROR_HTTP_JSONP = 4058;

// What SRS's CORS mux sets when a request carries an Origin (srs_protocol_http_stack.cpp).
const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers': '*',
  'Access-Control-Allow-Methods': '*',
  'Access-Control-Expose-Headers': '*',
  'Access-Control-Allow-Credentials': 'false',
  'Access-Control-Request-Private-Network': 'true',
};

/** One API request after SRS's muxes: its effective method (JSONP `method=` applied) and how to answer. */
export interface ApiExchange {
  readonly method: string;
  readonly path: string;
  readonly url: URL;
  readonly request: IncomingMessage;
  /** Sends a JSON answer, wrapped as `callback(...)` for JSONP. */
  json(body: unknown): void;
  /** Sends `{"code":N}` (SRS's error answer, HTTP 200). */
  code(code: number): void;
  /** A plain-text HTTP error, as SRS's srs_go_http_error. */
  httpError(status: number, text: string): void;
}

/**
 * SRS's chain in front of the API handlers: CORS (and OPTIONS preflight), Basic auth of /api/
 * paths, then JSONP (`?callback=NAME`, with `&method=` overriding the HTTP method).
 * Returns undefined when the request has been answered already.
 */
export function openExchange(config: SluiceConfig['http_api'], request: IncomingMessage, response: ServerResponse, url: URL): ApiExchange | undefined {
  const cors = config.crossdomain && Boolean(request.headers.origin);
  if (cors) for (const [name, value] of Object.entries(CORS_HEADERS)) response.setHeader(name, value);
  if (request.method === 'OPTIONS') {
    response.writeHead(config.crossdomain ? 200 : 405, { 'Content-Length': 0 });
    response.end();
    return undefined;
  }
  if (!authorized(config.auth, request, url, response)) return undefined;

  const callback = url.searchParams.get('callback') ?? '';
  if (!/^[\w.-]*$/.test(callback)) {
    send(response, 400, 'application/json', JSON.stringify({ code: ERROR_HTTP_JSONP }));
    return undefined;
  }
  const override = callback ? (url.searchParams.get('method') ?? '') : '';
  const method = ['GET', 'PUT', 'POST', 'DELETE'].includes(override) ? override : (request.method ?? 'GET');
  const json = (body: unknown): void => {
    const text = JSON.stringify(body);
    if (callback) send(response, 200, 'text/javascript', `${callback}(${text})`);
    else send(response, 200, 'application/json', text);
  };
  return {
    method,
    path: url.pathname,
    url,
    request,
    json,
    code: (code) => json({ code }),
    httpError: (status, text) => send(response, status, 'text/plain; charset=utf-8', text),
  };
}

/** SRS 7's SrsHttpAuthMux: 401 with `WWW-Authenticate: Basic` when the credentials are missing or wrong. */
function authorized(auth: SluiceConfig['http_api']['auth'], request: IncomingMessage, url: URL, response: ServerResponse): boolean {
  if (!auth.enabled || !url.pathname.includes('/api/')) return true;
  const header = request.headers.authorization ?? '';
  const refuse = (challenge: boolean): false => {
    if (challenge) response.setHeader('WWW-Authenticate', 'Basic');
    response.writeHead(401, { 'Content-Length': 0 });
    response.end();
    return false;
  };
  if (!header) return refuse(true);
  const token = header.startsWith('Basic ') ? header.slice(6).trim() : '';
  if (!token) return refuse(false);
  const parts = Buffer.from(token, 'base64').toString('utf8').split(':');
  if (parts.length !== 2) return refuse(false);
  return parts[0] === auth.username && parts[1] === auth.password ? true : refuse(true);
}

function send(response: ServerResponse, status: number, contentType: string, body: string): void {
  response.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
}
