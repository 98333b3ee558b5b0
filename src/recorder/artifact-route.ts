import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { sendText, type HttpRoute } from '../servers/http/http-server.js';

const ARTIFACT = /^\/record\/([^/]+)\.mp4$/;

/**
 * Serves record task artifacts at `/record/<uuid>.mp4`, with single byte ranges so players can
 * seek. `candidates` names where an artifact may be; only uuid names ever map to a file.
 */
export function artifactRoute(candidates: (uuid: string) => string[]): HttpRoute {
  return async (request, response, url) => {
    const match = ARTIFACT.exec(url.pathname);
    if (!match || (request.method !== 'GET' && request.method !== 'HEAD')) return false;
    for (const path of candidates(match[1]!)) {
      const size = await fileSize(path);
      if (size !== undefined) {
        await sendFile(request, response, path, size);
        return true;
      }
    }
    sendText(response, 404, 'no such recording');
    return true;
  };
}

async function fileSize(path: string): Promise<number | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? info.size : undefined;
  } catch {
    return undefined;
  }
}

async function sendFile(request: IncomingMessage, response: ServerResponse, path: string, size: number): Promise<void> {
  const headers = { 'Content-Type': 'video/mp4', 'Accept-Ranges': 'bytes', 'Access-Control-Allow-Origin': '*' };
  const range = parseRange(request.headers.range, size);
  if (range === 'unsatisfiable') {
    response.writeHead(416, { ...headers, 'Content-Range': `bytes */${size}` });
    response.end();
    return;
  }
  const [start, end] = range ?? [0, size - 1];
  const partial = range !== undefined;
  response.writeHead(partial ? 206 : 200, {
    ...headers,
    'Content-Length': String(Math.max(0, end - start + 1)),
    ...(partial ? { 'Content-Range': `bytes ${start}-${end}/${size}` } : {}),
  });
  if (request.method === 'HEAD' || size === 0) {
    response.end();
    return;
  }
  await pipeline(createReadStream(path, { start, end }), response);
}

/** One `bytes=a-b`, `bytes=a-` or `bytes=-n` range; undefined for none or several (whole file). */
function parseRange(header: string | undefined, size: number): [number, number] | 'unsatisfiable' | undefined {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (match[1] === '') {
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  return start > end || start >= size ? 'unsatisfiable' : [start, end];
}
