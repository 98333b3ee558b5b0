import { timingSafeEqual } from 'node:crypto';
import type { SignedUrlsConfig } from '../../config/rules-schema.js';
import type { ClientSession } from '../types.js';
import { protects, queryOf, RuleDenied, streamOf, type Action, type GateRule } from './rule.js';
import { hmacSignature, nmsSignature } from './signature.js';

const EXPIRES = /^\d{1,12}$/;
const NMS_SIGN = /^(\d{1,12})-([0-9a-f]{32})$/i;

/**
 * Signed URLs with an expiry (see signature.ts for the exact strings signed). The signature is
 * checked before the expiry, so "expired" is only said of a genuine URL.
 */
export class SignedUrlRule implements GateRule {
  constructor(private readonly config: SignedUrlsConfig) {}

  check(session: ClientSession, action: Action, nowMs: number): undefined {
    if (!this.config[action] || !protects(this.config.apps, session.app)) return undefined;
    const query = queryOf(session);
    const sign = query.get('sign');
    const expiresText = query.get('expires');
    const path = `/${session.app}/${streamOf(session)}`;
    const { key } = this.config;
    let expires: number;
    let expected: string;
    let given: string;
    if (sign === null) {
      throw new RuleDenied('signed_urls', `${action} needs a signed URL (expires and sign)`);
    } else if (expiresText !== null) {
      if (!EXPIRES.test(expiresText)) throw new RuleDenied('signed_urls', 'malformed expires');
      expires = Number(expiresText);
      [expected, given] = [hmacSignature(key, path, expires), sign];
    } else {
      const nms = this.config.nms_sign ? NMS_SIGN.exec(sign) : null;
      if (!nms) throw new RuleDenied('signed_urls', 'malformed sign (expected expires and sign)');
      expires = Number(nms[1]);
      [expected, given] = [nmsSignature(key, path, expires), nms[2]!.toLowerCase()];
    }
    if (!sameHex(given, expected)) throw new RuleDenied('signed_urls', `bad signature for ${path}`);
    if (expires < Math.floor(nowMs / 1000)) throw new RuleDenied('signed_urls', `signed URL expired at ${new Date(expires * 1000).toISOString()}`);
    return undefined;
  }
}

function sameHex(given: string, expected: string): boolean {
  const a = Buffer.from(given.toLowerCase(), 'utf8');
  const b = Buffer.from(expected, 'utf8');
  // The length of a hex digest is public; only its content must be compared in constant time.
  return a.length === b.length && timingSafeEqual(a, b);
}
