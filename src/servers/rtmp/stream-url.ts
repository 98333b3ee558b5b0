import { DEFAULT_VHOST, type SluiceConfig } from '../../config/schema.js';

/** `livestream?token=abc` -> `{ name: 'livestream', param: '?token=abc' }`. */
export function splitQuery(text: string): { name: string; param: string } {
  const at = text.indexOf('?');
  return at < 0 ? { name: text, param: '' } : { name: text.slice(0, at), param: text.slice(at) };
}

/** The value of `key` in a `?a=b&c=d` query, if present. */
export function queryValue(param: string, key: string): string | undefined {
  if (!param) return undefined;
  const value = new URLSearchParams(param.slice(1)).get(key);
  return value ?? undefined;
}

/** Host of an `rtmp://host[:port]/app` URL, or '' when it does not parse. */
export function tcUrlHost(tcUrl: string): string {
  const match = /^[a-z0-9+.-]+:\/\/(\[[^\]]*\]|[^/:?]*)/i.exec(tcUrl);
  return match?.[1] ?? '';
}

/**
 * Picks the vhost as SRS does: a `vhost` query parameter first, then the tcUrl host, each only
 * if such a vhost is configured; the default vhost otherwise. A configured vhost that is turned
 * off is still picked, so the gate refuses its sessions rather than serving them elsewhere.
 */
export function resolveVhost(config: SluiceConfig, candidates: Array<string | undefined>): string {
  for (const candidate of candidates) {
    if (candidate && candidate !== DEFAULT_VHOST && Object.hasOwn(config.vhosts, candidate)) return candidate;
  }
  return DEFAULT_VHOST;
}
