import { createHash, timingSafeEqual } from 'node:crypto';
import { AccessDenied } from '../../util/errors.js';
import type { ClientSession } from '../types.js';

export type Action = 'publish' | 'play';

/** A refusal by a gate rule; `rule` names the block that refused (for logs and metrics). */
export class RuleDenied extends AccessDenied {
  constructor(
    readonly rule: 'security' | 'signed_urls' | 'publish_secret' | 'play_secret',
    reason: string,
  ) {
    super(reason);
  }
}

/**
 * A check the gate runs before any callback. Throws RuleDenied to refuse; returns a new stream
 * name when the session continues under another name, undefined otherwise.
 */
export interface GateRule {
  check(session: ClientSession, action: Action, nowMs: number): string | undefined;
}

/** The stream as it appears in every protocol's URL: an HLS viewer's `cam.m3u8` is `cam`. */
export function streamOf(session: ClientSession): string {
  return session.protocol === 'hls' ? session.stream.replace(/\.m3u8$/, '') : session.stream;
}

export function queryOf(session: ClientSession): URLSearchParams {
  return new URLSearchParams(session.param);
}

/** An empty list protects every app. */
export function protects(apps: readonly string[], app: string): boolean {
  return apps.length === 0 || apps.includes(app);
}

/** Compares two secrets in time that depends on neither (hashing first evens out the lengths). */
export function safeEqual(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
