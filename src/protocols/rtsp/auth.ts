import { randomBytes } from 'node:crypto';

/**
 * Credentials from an Authorization header (RFC 2617). Basic gives the password; Digest gives
 * the user name and the fields a callback that knows the password needs to check the response.
 */
export interface Credentials {
  scheme: 'basic' | 'digest';
  user: string;
  password?: string;
  /** Digest: realm, nonce, uri, response, and algorithm, qop, nc, cnonce when sent. */
  digest?: Record<string, string>;
}

const DIGEST_FIELDS = ['realm', 'nonce', 'uri', 'response', 'algorithm', 'qop', 'nc', 'cnonce'];

export function parseAuthorization(header: string | undefined): Credentials | undefined {
  if (!header) return undefined;
  const space = header.indexOf(' ');
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const rest = space < 0 ? '' : header.slice(space + 1).trim();
  if (scheme === 'basic') {
    const decoded = Buffer.from(rest, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    return { scheme, user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (scheme === 'digest') {
    const fields = new Map<string, string>();
    for (const match of rest.matchAll(/(?:^|,)\s*([a-z]+)=(?:"([^"]*)"|([^,\s]*))/gi)) {
      fields.set(match[1]!.toLowerCase(), match[2] ?? match[3] ?? '');
    }
    const user = fields.get('username');
    if (user === undefined) return undefined;
    const digest = Object.fromEntries(DIGEST_FIELDS.flatMap((key) => (fields.has(key) ? [[key, fields.get(key)!]] : [])));
    return { scheme, user, digest };
  }
  return undefined;
}

/** The challenge sent with 401: Basic, so the gate receives the password itself. */
export function basicChallenge(realm: string): string {
  return `Basic realm="${realm.replace(/"/g, '')}"`;
}

/** A Digest challenge (RFC 2617, MD5, no qop as RTSP cameras and clients use it) with a fresh nonce. */
export function digestChallenge(realm: string): string {
  return `Digest realm="${realm.replace(/"/g, '')}", nonce="${randomBytes(16).toString('hex')}"`;
}
