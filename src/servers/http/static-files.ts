import { open, type FileHandle } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '../../util/logger.js';
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

export interface StaticFilesOptions {
  /** Files another route owns (HLS playlists and segments): never served from here. */
  owned?: (file: string) => boolean;
  logger: Logger;
}

/**
 * Serves files below `root` (SRS's `http_server.dir`); nothing outside it can be named, nor a
 * temporary file (`*.tmp`, written before being renamed into place).
 */
export function staticFiles(root: string, { owned = () => false, logger }: StaticFilesOptions): HttpRoute {
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
    if (path.endsWith('.tmp') || owned(path)) return false;
    // Opened first and measured through the descriptor: the length sent is the file's length
    // at that moment, whatever happens to the name afterwards.
    const file = await open(path, 'r').catch(() => undefined);
    if (!file) return false;
    try {
      const info = await file.stat();
      if (!info.isFile()) return false;
      response.writeHead(200, {
        'Content-Type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
        'Content-Length': info.size,
        'Access-Control-Allow-Origin': '*',
      });
      if (request.method === 'HEAD' || info.size === 0) response.end();
      else await send(file, info.size, response, logger);
      return true;
    } finally {
      await file.close().catch(() => undefined);
    }
  };
}

async function send(file: FileHandle, size: number, response: ServerResponse, logger: Logger): Promise<void> {
  const bytes = file.createReadStream({ start: 0, end: size - 1, autoClose: false });
  await pipeline(bytes, response).catch((error: unknown) => {
    logger.debug({ err: error instanceof Error ? error.message : String(error) }, 'static file not fully sent');
    response.destroy();
  });
}
