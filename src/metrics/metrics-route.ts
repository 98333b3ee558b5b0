import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpRoute } from '../servers/http/http-server.js';

export interface MetricsText {
  render(): Promise<{ text: string; contentType: string }>;
}

/** `GET /metrics`: the Prometheus text format (on the API port, and the exporter's own listener). */
export function metricsRoute(metrics: MetricsText): HttpRoute {
  return async (request: IncomingMessage, response: ServerResponse, url: URL) => {
    if (url.pathname !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) return false;
    const { text, contentType } = await metrics.render();
    response.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
    response.end(request.method === 'HEAD' ? undefined : text);
    return true;
  };
}
