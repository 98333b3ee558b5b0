/** Credentials from an Authorization header (RFC 2617). Digest gives the user name alone. */
export interface Credentials {
  scheme: 'basic' | 'digest';
  user: string;
  password?: string;
}

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
    const user = /(?:^|,)\s*username="([^"]*)"/.exec(rest)?.[1];
    return user === undefined ? undefined : { scheme, user };
  }
  return undefined;
}

/** The challenge sent with 401: Basic, so the gate receives the password itself. */
export function basicChallenge(realm: string): string {
  return `Basic realm="${realm.replace(/"/g, '')}"`;
}
