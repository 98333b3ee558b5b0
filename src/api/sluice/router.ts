import type { IncomingMessage } from 'node:http';
import type { z } from 'zod/v4';
import { ApiError } from './http.js';

export type Method = 'GET' | 'POST' | 'DELETE';

export interface RouteInput<Q, B> {
  params: Record<string, string>;
  query: Q;
  body: B;
  request: IncomingMessage;
}

/** One operation: its path (`/streams/{id}`), what it accepts and answers, and its handler. */
export interface Route<Q = unknown, B = unknown> {
  method: Method;
  path: string;
  operationId: string;
  summary: string;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  response: z.ZodType;
  /** The success status (default 200). */
  status?: number;
  handle(input: RouteInput<Q, B>): unknown;
}

/** Builds a route with its query and body types inferred from their schemas. */
export function route<Q = Record<string, never>, B = undefined>(definition: Route<Q, B>): Route {
  return definition as unknown as Route;
}

export type Match = { route: Route; params: Record<string, string> };

/** Finds the route of a method and path; throws 404 for an unknown path, 405 for a wrong method. */
export function matchRoute(routes: readonly Route[], method: string, path: string): Match {
  const segments = path.split('/').filter(Boolean);
  const allowed: string[] = [];
  for (const candidate of routes) {
    const params = matchPath(candidate.path, segments);
    if (!params) continue;
    if (candidate.method === method) return { route: candidate, params };
    allowed.push(candidate.method);
  }
  if (allowed.length === 0) throw new ApiError(404, 'not_found', `no route ${path}`);
  throw new MethodNotAllowed(allowed);
}

/** 405 with the methods the path does take (the Allow header). */
export class MethodNotAllowed extends ApiError {
  constructor(readonly allowed: string[]) {
    super(405, 'method_not_allowed', `use ${allowed.join(', ')}`);
  }
}

function matchPath(pattern: string, segments: string[]): Record<string, string> | undefined {
  const parts = pattern.split('/').filter(Boolean);
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of parts.entries()) {
    const segment = segments[i]!;
    const name = /^\{(\w+)\}$/.exec(part)?.[1];
    if (name) params[name] = safeDecode(segment);
    else if (part !== segment) return undefined;
  }
  return params;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ApiError(400, 'bad_request', 'malformed path', 'path');
  }
}
