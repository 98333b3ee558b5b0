import { createHash, createHmac } from 'node:crypto';

/**
 * The signatures of signed stream URLs; shared by the gate and by whoever makes the URLs.
 * `path` is `/APP/STREAM`, the stream without a `.flv` or `.m3u8` extension.
 */

/** Sluice's form: hex HMAC-SHA256(key, `/APP/STREAM:EXPIRES`), sent as `?expires=EXPIRES&sign=HEX`. */
export function hmacSignature(key: string, path: string, expires: number): string {
  return createHmac('sha256', key).update(`${path}:${expires}`).digest('hex');
}

/** node-media-server's form: `?sign=EXPIRES-HEX`, HEX = md5(`/APP/STREAM-EXPIRES-KEY`). */
export function nmsSignature(key: string, path: string, expires: number): string {
  return createHash('md5').update(`${path}-${expires}-${key}`).digest('hex');
}

export interface SignOptions {
  key: string;
  /** Unix time (seconds) after which the URL is refused. */
  expires: number;
  /** Make node-media-server's `sign=EXPIRES-MD5` instead of Sluice's HMAC form. */
  nms?: boolean;
}

/**
 * Signs a stream URL of any protocol (`rtmp://host/live/cam`, `http://host/live/cam.flv`,
 * `http://host/live/cam.m3u8`): the app and stream are its last two path segments. The query the
 * URL already has is kept.
 */
export function signStreamUrl(url: string, options: SignOptions): string {
  const parsed = new URL(url);
  const segments = parsed.pathname.split('/').filter((s) => s !== '');
  if (segments.length < 2) throw new TypeError(`expected a URL ending in /APP/STREAM, got "${url}"`);
  const [app, file] = segments.slice(-2).map(decodeURIComponent) as [string, string];
  const path = `/${app}/${file.replace(/\.(flv|m3u8)$/, '')}`;
  const { key, expires } = options;
  if (!Number.isSafeInteger(expires) || expires < 0) throw new TypeError(`expires must be a Unix time in seconds, got ${expires}`);
  if (options.nms) {
    parsed.searchParams.set('sign', `${expires}-${nmsSignature(key, path, expires)}`);
  } else {
    parsed.searchParams.set('expires', String(expires));
    parsed.searchParams.set('sign', hmacSignature(key, path, expires));
  }
  return parsed.href;
}
