/** What an SRT stream id asks for, read the way SRS 7 reads it (srs_srt_streamid_info). */
export interface StreamIdRequest {
  mode: 'publish' | 'play';
  /** From `h=`; undefined when the stream id names no host. */
  vhost: string | undefined;
  app: string;
  stream: string;
  /** The query SRS hands to hooks and rules, with its leading `?`, or `''`. */
  param: string;
}

const YAML_PREFIX = '#!::';
// SRS's srs_net_url_parse_query: every one of these separates, keys and values alternate.
const SEPARATORS = /&&|[=,&;]/;

/**
 * Parses `#!::r=app/stream,m=publish,key=value`, `#!::h=vhost/app/stream?key=value,m=request`,
 * `#!::h=vhost,r=app/stream` or a plain `app/stream?key=value` (`stream` alone takes the default
 * app). Keys other than h, r and m become the query in SRS's order (sorted by key, with
 * `vhost=` where `h` sorts when it names a host). Undefined for what SRS refuses: no path, or a mode other than
 * publish or request.
 */
export function parseStreamId(streamId: string, defaultApp: string): StreamIdRequest | undefined {
  let mode: StreamIdRequest['mode'] = 'play';
  let vhost: string | undefined;
  let path = '';
  if (!streamId.startsWith(YAML_PREFIX)) {
    path = streamId.includes('/') ? streamId : `${defaultApp}/${streamId}`;
  } else {
    const tokens = streamId.slice(YAML_PREFIX.length).replaceAll('?', ',').split(SEPARATORS);
    const query = new Map<string, string>();
    for (let i = 0; i < tokens.length; i += 2) query.set(tokens[i]!, tokens[i + 1] ?? '');
    const params: string[] = [];
    for (const key of [...query.keys()].sort(byteOrder)) {
      const value = query.get(key)!;
      if (key === 'h') {
        const first = value.indexOf('/');
        if (first === -1) {
          vhost = value;
          params.push(`vhost=${value}`);
        } else if (first !== value.lastIndexOf('/')) {
          vhost = value.slice(0, first);
          path = value.slice(first + 1);
          params.push(`vhost=${vhost}`);
        } else {
          path = value;
        }
      } else if (key === 'r') {
        path = value;
      } else if (key === 'm') {
        const wanted = value.toLowerCase();
        if (wanted === 'publish') mode = 'publish';
        else if (wanted === 'request') mode = 'play';
        else return undefined;
      } else {
        params.push(`${key}=${value}`);
      }
    }
    if (!path) return undefined;
    if (params.length > 0) path += `?${params.join('&')}`;
  }
  const slash = path.indexOf('/');
  const app = slash === -1 ? defaultApp : path.slice(0, slash);
  const rest = slash === -1 ? path : path.slice(slash + 1);
  const query = rest.indexOf('?');
  const stream = query === -1 ? rest : rest.slice(0, query);
  const param = query === -1 ? '' : `?${rest.slice(query + 1)}`;
  return { mode, vhost, app, stream, param };
}

/** std::map order: by bytes, not locale. */
function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
