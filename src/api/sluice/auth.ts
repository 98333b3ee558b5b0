import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { ApiError } from './http.js';

// Every refused token waits this long first, which slows guessing without blocking anyone else.
const REFUSAL_DELAY_MS = 200;

/** How many requests the own API refused for a wrong or missing token (for metrics). */
export interface ApiAuthStats {
  readonly refused: number;
}

/**
 * Bearer tokens of the own API. Any configured token is accepted; tokens are compared as
 * SHA-256 digests with a constant-time compare, so neither length nor content leaks through
 * timing. With no token configured only loopback clients are let in.
 */
export class ApiAuth implements ApiAuthStats {
  private known: { tokens: readonly string[]; digests: Buffer[] } | undefined;
  refused = 0;

  /** `tokens` is read at each request, so a reload applies at once. */
  constructor(private readonly tokens: () => readonly string[]) {}

  /** Resolves when the request may go on; rejects with 401 (after a delay) or 403. */
  async check(request: IncomingMessage): Promise<void> {
    const digests = this.digests();
    if (digests.length === 0) {
      if (!isLoopback(request.socket.remoteAddress)) {
        throw new ApiError(403, 'forbidden', 'no api_token is configured: this API answers loopback clients only');
      }
      // A page from another origin, open in a browser on this machine, is no loopback operator.
      if (crossOrigin(request)) throw new ApiError(403, 'forbidden', 'no api_token is configured: browsers on other origins need one');
      return;
    }
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match && accepts(digests, match[1]!)) return;
    this.refused++;
    await new Promise((resolve) => setTimeout(resolve, REFUSAL_DELAY_MS));
    throw new ApiError(401, 'unauthorized', match ? 'wrong token' : 'missing bearer token');
  }

  private digests(): Buffer[] {
    const tokens = this.tokens();
    if (this.known?.tokens !== tokens) this.known = { tokens, digests: tokens.map(digest) };
    return this.known.digests;
  }
}

function accepts(digests: readonly Buffer[], token: string): boolean {
  const given = digest(token);
  // Compare against every token, so the time taken does not tell which one matched.
  let ok = false;
  for (const known of digests) ok = timingSafeEqual(given, known) || ok;
  return ok;
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** True when a browser sent the request from a page of another origin than the API's own. */
function crossOrigin(request: IncomingMessage): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  try {
    return new URL(origin).host !== request.headers.host;
  } catch {
    return true;
  }
}

/** 127.0.0.0/8, ::1 and their IPv4-mapped IPv6 forms. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(v4) === 4) return v4.startsWith('127.');
  return address === '::1';
}
