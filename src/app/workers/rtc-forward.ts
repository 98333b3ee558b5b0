import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpRoute } from '../../servers/http/http-server.js';
import { clientIp } from '../../servers/session-info.js';
import type { Logger } from '../../util/logger.js';

// The client's address, as the worker that took the request saw it; trusted only on loopback.
const CLIENT_IP = 'x-sluice-client-ip';

/**
 * WebRTC signalling must reach the worker that owns the UDP port (worker 1). It serves its
 * signalling routes on a private loopback port too; the other workers pass such requests there.
 */
export async function serveRtcPrivately(routes: HttpRoute[], logger: Logger): Promise<{ port: number; stop(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const forwarded = request.headers[CLIENT_IP];
    // One connection per forwarded request (agent: false), so the socket speaks for one client.
    if (typeof forwarded === 'string') Object.defineProperty(request.socket, 'remoteAddress', { value: forwarded });
    const url = new URL(request.url ?? '/', 'http://localhost');
    void (async () => {
      for (const route of routes) if (await route(request, response, url)) return;
      response.writeHead(404).end();
    })().catch((error: unknown) => {
      logger.warn({ err: error }, 'forwarded rtc request failed');
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

/** In the other workers: `/rtc/v1/...` goes to worker 1's private port, answered as it answers. */
export function rtcForwardRoute(port: () => Promise<number | undefined>): HttpRoute {
  return async (request, response, url) => {
    if (!url.pathname.startsWith('/rtc/v1/')) return false;
    const target = await port();
    if (target === undefined) {
      response.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' }).end('WebRTC is starting\n');
      return true;
    }
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
