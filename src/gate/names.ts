import { AccessDenied } from '../util/errors.js';

const MAX_NAME_BYTES = 256;
// Control characters, path separators and characters that are unsafe in file names and URLs.
const FORBIDDEN = /[\u0000-\u001f\u007f/\\]/;

/**
 * App and stream names become paths (HLS, DVR) and URL segments, so a name that could escape
 * a directory or break a log line is refused before anything else is asked.
 */
export function checkName(kind: 'app' | 'stream' | 'vhost', name: string): void {
  if (name.length === 0) throw new AccessDenied(`empty ${kind} name`);
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) throw new AccessDenied(`${kind} name longer than ${MAX_NAME_BYTES} bytes`);
  if (name === '.' || name.includes('..')) throw new AccessDenied(`${kind} name must not contain ".."`);
  if (FORBIDDEN.test(name)) throw new AccessDenied(`${kind} name has a control character or path separator`);
}
