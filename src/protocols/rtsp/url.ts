/** An RTSP URL's parts: `rtsp://[user:pass@]host[:port]/app/stream[/track][?query]`. */
export interface RtspUrl {
  host: string;
  /** Path segments, URL-decoded. */
  segments: string[];
  /** The query with its leading `?`, or `''`. */
  query: string;
  user?: string;
  password?: string;
}

/** Parses an absolute rtsp:// URL (or a bare path); undefined when it does not parse. */
export function parseRtspUrl(text: string): RtspUrl | undefined {
  let url: URL;
  try {
    url = new URL(text.startsWith('/') ? `rtsp://localhost${text}` : text);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'rtsp:' && url.protocol !== 'rtsps:') return undefined;
  let segments: string[];
  try {
    segments = url.pathname.split('/').filter((segment) => segment !== '').map((segment) => decodeURIComponent(segment));
  } catch {
    return undefined;
  }
  const parsed: RtspUrl = { host: url.host, segments, query: url.search };
  if (url.username) parsed.user = decodeURIComponent(url.username);
  if (url.password) parsed.password = decodeURIComponent(url.password);
  return parsed;
}
