import { RelayError } from '../errors.js';

/** Where an RTMP client connects, and what it asks for there. */
export interface RtmpUrl {
  tls: boolean;
  host: string;
  port: number;
  app: string;
  /** Stream name with its query (`key?token=x`), as sent in publish/play. */
  stream: string;
  tcUrl: string;
}

/**
 * `rtmp[s]://host[:port]/app[/more]/stream[?query]`: the last path segment (with the query) is
 * the stream, everything before it the app, as FFmpeg and nginx-rtmp split it.
 */
export function parseRtmpUrl(text: string): RtmpUrl {
  let url: URL;
  try {
    url = new URL(text);
  } catch (error) {
    throw new RelayError(`not a URL: ${JSON.stringify(text)}`, { cause: error });
  }
  const tls = url.protocol === 'rtmps:';
  if (!tls && url.protocol !== 'rtmp:') throw new RelayError(`not an rtmp:// or rtmps:// URL: ${redactUrl(text)}`);
  const path = url.pathname.replace(/^\/+/, '');
  const cut = path.lastIndexOf('/');
  const app = cut > 0 ? path.slice(0, cut) : '';
  const name = cut > 0 ? path.slice(cut + 1) : path;
  if (app === '' || name === '') throw new RelayError(`URL needs an app and a stream: ${redactUrl(text)}`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port === '' ? (tls ? 443 : 1935) : Number(url.port);
  return { tls, host, port, app: decodeURIComponent(app), stream: decodeURIComponent(name) + url.search, tcUrl: `${url.protocol}//${url.host}/${app}` };
}

/** The URL without its stream key and query: stream keys are secrets and stay out of logs and the API. */
export function redactUrl(text: string): string {
  const match = /^([a-z]+:\/\/[^/]+\/(?:.*\/)?)([^/?]*)(\?.*)?$/i.exec(text);
  if (!match) return text.replace(/\?.*$/, '');
  const key = match[2] ?? '';
  const shown = key.length > 4 ? `${key.slice(0, 2)}…` : key;
  return match[1] + shown;
}
