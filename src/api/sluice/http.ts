import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod/v4';
import { SluiceError } from '../../util/errors.js';

/** Bodies larger than this are refused with 413 before they are read whole. */
export const MAX_BODY_BYTES = 64 * 1024;

/** A request the API refuses: the status, a machine-readable code, and the field at fault. */
export class ApiError extends SluiceError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export const notFound = (what: string): ApiError => new ApiError(404, 'not_found', `no such ${what}`);

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

export function sendError(response: ServerResponse, error: ApiError, headers: Record<string, string> = {}): void {
  const body = { code: error.code, message: error.message, ...(error.field !== undefined ? { field: error.field } : {}) };
  sendJson(response, error.status, { error: body }, headers);
}

/** Reads a JSON body of at most MAX_BODY_BYTES; an empty body reads as `{}`. */
export async function readJson(request: IncomingMessage): Promise<unknown> {
  // JSON only: a browser cannot send that cross-origin without a CORS preflight.
  const type = request.headers['content-type'] ?? '';
  const declared = Number(request.headers['content-length'] ?? 0);
  const chunked = request.headers['transfer-encoding'] !== undefined;
  if ((declared > 0 || chunked) && !/^application\/json\s*(;|$)/i.test(type)) {
    throw new ApiError(415, 'unsupported_media_type', 'send the body as Content-Type: application/json', 'body');
  }
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw tooLarge();
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError(400, 'bad_request', 'the body is not JSON', 'body');
  }
}

function tooLarge(): ApiError {
  return new ApiError(413, 'payload_too_large', `the body exceeds ${MAX_BODY_BYTES} bytes`);
}

/** Validates `value`; a failure is a 400 naming the first field at fault (`body.app`). */
export function parse<T extends z.ZodType>(schema: T, value: unknown, where: 'body' | 'query'): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
  const field = [where, ...issue.path.map(String), ...keys.slice(0, 1)].join('.');
  throw new ApiError(400, 'bad_request', `${field}: ${issue.message}`, field);
}
