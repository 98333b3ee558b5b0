import { posix } from 'node:path';
import { SluiceError } from '../../util/errors.js';

/** A request whose target or Host cannot name anything: answered 400, logged at debug. */
export class BadRequest extends SluiceError {}

// Unreserved characters (RFC 3986) mean the same encoded or not, so they are decoded.
const ENCODED_UNRESERVED = /%(4[1-9A-F]|5[0-9A]|6[1-9A-F]|7[0-9A]|3[0-9]|2D|2E|5F|7E)/giu;
// An encoded `/` or `\` would change where the path splits; NUL ends C strings and file names.
const ENCODED_FORBIDDEN = /%(2F|5C|00)/iu;
const HOST = /^(\[[0-9A-Fa-f:.]+\]|[^\s/?#@[\]\\:]+)(:\d{1,5})?$/u;

/**
 * The one URL a request names: Host checked, path normalised (unreserved characters decoded,
 * `//` collapsed, dot segments resolved), so that each route sees one spelling per resource and
 * the same path always gets the same answer.
 */
export function requestTarget(rawUrl: string | undefined, host: string | undefined): URL {
  const authority = host ?? 'localhost';
  if (!HOST.test(authority)) throw new BadRequest(`malformed Host header: ${JSON.stringify(authority.slice(0, 100))}`);
  const raw = rawUrl ?? '/';
  if (!raw.startsWith('/')) throw new BadRequest('request target is not an absolute path');
  const queryAt = raw.search(/[?#]/u);
  const rawPath = queryAt < 0 ? raw : raw.slice(0, queryAt);
  const query = queryAt < 0 ? '' : raw.slice(queryAt).replace(/#.*$/su, '');
  // A bare `\` too: URL parsers read it as `/`, so `/\host` would name another authority.
  if (ENCODED_FORBIDDEN.test(rawPath) || /[\0\\]/u.test(rawPath)) throw new BadRequest('"\\", NUL or an encoded "/" in the path');
  if (!decodable(rawPath)) throw new BadRequest('malformed percent-encoding in the path');
  const decoded = rawPath.replace(ENCODED_UNRESERVED, (encoded) => String.fromCharCode(parseInt(encoded.slice(1), 16)));
  const path = posix.normalize(decoded);
  try {
    return new URL(`${path}${query}`, `http://${authority}`);
  } catch (error) {
    throw new BadRequest('malformed request target', { cause: error });
  }
}

/** Routes decode path segments; one that cannot be decoded (`%zz`, bad UTF-8) names nothing. */
function decodable(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}
