import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpRoute } from '../../servers/http/http-server.js';
import { clientIp } from '../../servers/session-info.js';
import type { Logger } from '../../util/logger.js';

// The client's address, as the worker that took the request saw it; trusted only on loopback.
const CLIENT_IP = 'x-sluice-client-ip';

/**
 * What only one worker can answer (WebRTC signalling: worker 1, which owns the UDP port; an HLS
 * playlist: the worker that holds the stream's publisher) is also served on a private loopback
 * port of each worker; the others pass such requests there.
 */
export async function servePrivately(routes: HttpRoute[], logger: Logger): Promise<{ port: number; stop(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const forwarded = request.headers[CLIENT_IP];
    // One connection per forwarded request (agent: false), so the socket speaks for one client.
    if (typeof forwarded === 'string') Object.defineProperty(request.socket, 'remoteAddress', { value: forwarded });
    const url = new URL(request.url ?? '/', `http://${request.headers.host ?? 'localhost'}`);
    void (async () => {
      for (const route of routes) if (await route(request, response, url)) return;
      response.writeHead(404).end();
    })().catch((error: unknown) => {
      logger.warn({ err: error }, 'forwarded request failed');
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen({ host: '127.0.0.1', port: 0, exclusive: true }, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * Passes the requests `owner` names a port for to that worker's private port, answered as it
 * answers; those it names none for go on to the next route.
 */
export function forwardRoute(owner: (url: URL) => Promise<number | undefined> | undefined): HttpRoute {
  return async (request, response, url) => {
    const target = await owner(url);
    if (target === undefined) return false;
    const headers = { ...request.headers, [CLIENT_IP]: clientIp(request.socket.remoteAddress) };
    await new Promise<void>((resolve) => {
      const upstream = httpRequest({ host: '127.0.0.1', port: target, method: request.method, path: url.pathname + url.search, headers, agent: false });
      upstream.on('response', (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
        answer.on('end', resolve);
      });
      upstream.on('error', () => {
        if (!response.headersSent) response.writeHead(502);
        response.end();
        resolve();
      });
      request.pipe(upstream);
    });
    return true;
  };
}
