import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpRoute } from '../http/http-server.js';
import { clientIp } from '../session-info.js';
import type { Logger } from '../../util/logger.js';
import { OfferRefused, SrsRtcError, badOffer } from './rtc-errors.js';

/** What a signalling request asks for, whatever its API. */
export interface RtcOffer {
  action: 'publish' | 'play';
  /** The browser's SDP offer. */
  sdp: string;
  ip: string;
  /** The Host the request was sent to (vhost, and a candidate with `api_as_candidates`). */
  host: string | undefined;
  app: string;
  stream: string;
  /** As SRS gives it to the gate: WHIP's whole query, the JSON API's streamurl query. */
  param: string;
  tcUrl: string;
  requestUrl: string;
  /** The video codec the request asks for: SRS 7's `codec` query (or its later name `vcodec`). */
  videoCodec?: string;
}

export interface RtcAnswer {
  sdp: string;
  /** SRS's session id: `<our ufrag>:<their ufrag>`. */
  sessionId: string;
  /** Proves the right to DELETE the session (WHIP resource URL). */
  token: string;
}

/** What the signalling endpoints drive: the WebRTC server. */
export interface OfferHandler {
  offer(request: RtcOffer): Promise<RtcAnswer>;
  /** Ends a session named by its resource URL; false when none matches. */
  end(sessionId: string, token: string): boolean;
  /** True when the resource URL names a live session. */
  knows(sessionId: string, token: string): boolean;
  /** SRS's server id for the JSON API's answer. */
  readonly serverId: string;
}

const MAX_BODY_BYTES = 64 * 1024;
const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers': '*',
  'Access-Control-Allow-Methods': '*',
  'Access-Control-Expose-Headers': '*',
};

/**
 * SRS's WebRTC signalling: WHIP (`/rtc/v1/whip/`, RFC 9725) and WHEP (`/rtc/v1/whep/`) with
 * `application/sdp` in and out, and the older JSON API (`/rtc/v1/publish/`, `/rtc/v1/play/`).
 * Served on the HTTP API and the HTTP server alike.
 */
export function rtcRoute(handler: OfferHandler, logger: Logger): HttpRoute {
  return async (request, response, url) => {
    const path = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
    const kind = ROUTES[path];
    if (!kind) return false;
    if (request.headers.origin) for (const [name, value] of Object.entries(CORS)) response.setHeader(name, value);
    if (request.method === 'OPTIONS') {
      response.writeHead(200, { 'Content-Length': 0 }).end();
      return true;
    }
    const json = kind === 'publish' || kind === 'play';
    try {
      if (kind === 'whip' || kind === 'whep') await whip(handler, kind, request, response, url);
      else await srsApi(handler, kind, request, response, url);
    } catch (error) {
      if (!(error instanceof OfferRefused)) throw error;
      logger.info({ ip: clientIp(request.socket.remoteAddress), url: url.pathname + url.search, status: error.status, reason: error.message }, 'rtc signalling refused');
      const body = json ? JSON.stringify({ code: error.code, msg: error.message }) : `${error.message}\n`;
      response.writeHead(error.status, { 'Content-Type': json ? 'application/json' : 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
      response.end(body);
    }
    return true;
  };
}

const ROUTES: Record<string, 'whip' | 'whep' | 'publish' | 'play'> = {
  '/rtc/v1/whip/': 'whip',
  '/rtc/v1/whip-play/': 'whep',
  '/rtc/v1/whep/': 'whep',
  '/rtc/v1/publish/': 'publish',
  '/rtc/v1/play/': 'play',
};

async function whip(handler: OfferHandler, kind: 'whip' | 'whep', request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
  const query = url.searchParams;
  // Trickle ICE (RFC 9725 4.3.1): an ICE-lite server learns the client's addresses from its
  // connectivity checks, so candidates PATCHed in are acknowledged and need nothing more.
  if (request.method === 'PATCH') {
    await readBody(request);
    if (!handler.knows(query.get('session') ?? '', query.get('token') ?? '')) throw new OfferRefused(404, SrsRtcError.InvalidSession, 'no such session');
    response.writeHead(204).end();
    return;
  }
  if (request.method === 'DELETE' || query.get('action') === 'delete') {
    const token = query.get('token') ?? '';
    if (!token) throw new OfferRefused(400, SrsRtcError.InvalidSession, 'token empty');
    if (!handler.end(query.get('session') ?? '', token)) throw new OfferRefused(404, SrsRtcError.InvalidSession, 'no such session');
    response.writeHead(200, { 'Content-Length': 0 }).end();
    return;
  }
  if (request.method !== 'POST') throw new OfferRefused(400, SrsRtcError.InvalidParams, `${request.method} is not a WHIP/WHEP request`);
  const action = kind === 'whep' || query.get('action') === 'play' ? 'play' : 'publish';
  const app = query.get('app') || 'live';
  const stream = query.get('stream') || 'livestream';
  const sdp = await readBody(request);
  // SRS hands the gate the request's whole query; a bearer token (WHIP's authentication) goes
  // in as `secret`, the name stream secrets and Oryx read.
  const params = new URLSearchParams(url.search);
  const bearer = /^Bearer\s+(\S+)$/iu.exec(request.headers.authorization ?? '')?.[1];
  if (bearer && !params.has('secret')) params.append('secret', bearer);
  const host = request.headers.host;
  const answer = await handler.offer({
    action,
    sdp,
    ip: clientIp(request.socket.remoteAddress),
    host,
    app,
    stream,
    param: params.toString(),
    tcUrl: `webrtc://${hostName(host)}/${app}`,
    requestUrl: url.href,
    videoCodec: askedCodec(query),
  });
  const location = `/rtc/v1/${kind}/?action=delete&token=${answer.token}&app=${encodeURIComponent(app)}&stream=${encodeURIComponent(stream)}&session=${encodeURIComponent(answer.sessionId)}`;
  response.writeHead(201, { 'Content-Type': 'application/sdp', Location: location, ETag: `"${answer.sessionId}"`, 'Content-Length': Buffer.byteLength(answer.sdp), Connection: 'close' });
  response.end(answer.sdp);
}

async function srsApi(handler: OfferHandler, action: 'publish' | 'play', request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
  if (request.method !== 'POST') throw new OfferRefused(400, SrsRtcError.InvalidParams, 'the RTC API takes a POST');
  const text = await readBody(request);
  let body: { sdp?: unknown; streamurl?: unknown; clientip?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch (error) {
    throw new OfferRefused(400, SrsRtcError.InvalidParams, 'the body is not JSON', { cause: error });
  }
  if (typeof body !== 'object' || body === null) throw new OfferRefused(400, SrsRtcError.InvalidParams, 'the body is not a JSON object');
  if (typeof body.streamurl !== 'string') throw new OfferRefused(400, SrsRtcError.InvalidParams, 'not streamurl');
  if (typeof body.sdp !== 'string') throw badOffer('no sdp');
  const target = parseStreamUrl(body.streamurl);
  // SRS marks a WebRTC publisher with `upstream=rtc` in its param.
  const param = action === 'publish' ? `${target.param}&upstream=rtc`.replace(/^&/u, '') : target.param;
  const ip = typeof body.clientip === 'string' && body.clientip !== '' ? body.clientip : clientIp(request.socket.remoteAddress);
  const answer = await handler.offer({
    action,
    sdp: body.sdp,
    ip,
    host: target.host || request.headers.host,
    app: target.app,
    stream: target.stream,
    param,
    tcUrl: target.tcUrl,
    requestUrl: url.href,
    videoCodec: askedCodec(url.searchParams),
  });
  const out = JSON.stringify({ code: 0, server: handler.serverId, sdp: answer.sdp, sessionid: answer.sessionId });
  response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(out), Connection: 'close' });
  response.end(out);
}

/** `webrtc://host[:port]/app/stream?query` as SRS reads it (tcUrl is everything before the stream). */
export function parseStreamUrl(streamUrl: string): { host: string; app: string; stream: string; param: string; tcUrl: string } {
  const match = /^[a-z]+:\/\/([^/]+)\/(.+)\/([^/?]+)(\?.*)?$/iu.exec(streamUrl.trim());
  if (!match) throw new OfferRefused(400, SrsRtcError.InvalidParams, `streamurl "${streamUrl.slice(0, 200)}" names no app and stream`);
  const [, host, app, stream, param] = match as unknown as [string, string, string, string, string | undefined];
  return { host: host!, app: app!, stream: stream!, param: param ?? '', tcUrl: streamUrl.slice(0, streamUrl.lastIndexOf(`/${stream}`)) };
}

/** SRS 7 reads `codec` from the signalling request's query; its later versions call it `vcodec`. */
function askedCodec(query: URLSearchParams): string | undefined {
  return query.get('vcodec') || query.get('codec') || undefined;
}

function hostName(authority: string | undefined): string {
  return (authority ?? 'localhost').replace(/:\d+$/u, '');
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new OfferRefused(400, SrsRtcError.InvalidParams, `body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
