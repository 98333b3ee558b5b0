import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import type { HttpRoute } from './http-server.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.ts': 'video/MP2T',
  '.flv': 'video/x-flv',
  '.mp4': 'video/mp4',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

/** Serves files below `root` (SRS's `http_server.dir`); nothing outside it can be named. */
export function staticFiles(root: string): HttpRoute {
  const base = resolve(root);
  return async (request: IncomingMessage, response: ServerResponse, url: URL) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;
    let path: string;
    try {
      path = resolve(base, `.${decodeURIComponent(url.pathname)}`);
    } catch {
      return false; // malformed percent-encoding
    }
    if (path !== base && !path.startsWith(base + sep)) return false;
    if (url.pathname.endsWith('/')) path = resolve(path, 'index.html');
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) return false;
    response.writeHead(200, {
      'Content-Type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
      'Content-Length': info.size,
      'Access-Control-Allow-Origin': '*',
    });
    if (request.method === 'HEAD') response.end();
    else createReadStream(path).pipe(response);
    return true;
  };
}
