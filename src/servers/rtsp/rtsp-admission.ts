import type { SluiceConfig } from '../../config/schema.js';
import type { Admission, Gate } from '../../gate/types.js';
import { parseAuthorization, type Credentials } from '../../protocols/rtsp/auth.js';
import type { RtspRequest } from '../../protocols/rtsp/message.js';
import { parseRtspUrl, type RtspUrl } from '../../protocols/rtsp/url.js';
import { AccessDenied } from '../../util/errors.js';
import { queryValue, resolveVhost } from '../rtmp/stream-url.js';
import { SessionInfo, type SessionTransport } from '../session-info.js';

/** The stream an RTSP URL names: `rtsp://host/app/stream?query`; the app may have several segments. */
export interface StreamPath {
  url: RtspUrl;
  app: string;
  stream: string;
}

/** The stream a request's URL names, without `skip` trailing segments (a SETUP's track control). */
export function streamPath(requestUrl: string, skip = 0): StreamPath | undefined {
  const url = parseRtspUrl(requestUrl);
  if (!url) return undefined;
  const segments = url.segments.slice(0, url.segments.length - skip);
  if (segments.length < 2) return undefined;
  return { url, app: segments.slice(0, -1).join('/'), stream: segments.at(-1)! };
}

/**
 * The gate's view of an RTSP client. Credentials (Basic, in the URL or the Authorization header)
 * reach the gate as `user` and `pass` query arguments appended to `param`; a Digest header as
 * `user` and `digest_realm`, `digest_nonce`, `digest_uri`, `digest_response` (and the optional
 * fields sent), with `digest_method`, so a callback that knows the password checks the response.
 * The tcUrl is `rtsp://{host the client used}/{app}`.
 */
export function rtspSessionInfo(config: SluiceConfig, id: string, request: RtspRequest, path: StreamPath, ip: string, transport: SessionTransport): SessionInfo {
  const { url, app, stream } = path;
  const fromUrl: Credentials | undefined = url.user ? { scheme: 'basic', user: url.user, ...(url.password !== undefined && { password: url.password }) } : undefined;
  const credentials = parseAuthorization(request.headers.get('authorization')) ?? fromUrl;
  const args = new URLSearchParams(url.query.slice(1));
  if (credentials) {
    args.append('user', credentials.user);
    if (credentials.password !== undefined) args.append('pass', credentials.password);
    if (credentials.digest) {
      for (const [key, value] of Object.entries(credentials.digest)) args.append(`digest_${key}`, value);
      args.append('digest_method', request.method);
    }
  }
  const query = args.toString();
  const param = query ? `?${query}` : '';
  const hostname = url.host.replace(/:\d+$/, '');
  const vhost = resolveVhost(config, [queryValue(url.query, 'vhost'), hostname]);
  return new SessionInfo(
    {
      id,
      protocol: 'rtsp',
      ip,
      vhost,
      app,
      stream,
      param,
      tcUrl: `rtsp://${url.host}/${app}`,
      requestUrl: `rtsp://${url.host}/${app}/${stream}${url.query}`,
    },
    transport,
  );
}

/** What the gate said: the admission, refused (AccessDenied), or it failed. */
export async function askGate(gate: Gate, info: SessionInfo, action: 'publish' | 'play'): Promise<Admission | AccessDenied | Error> {
  try {
    const admission = await (action === 'publish' ? gate.publish(info) : gate.play(info));
    if (admission.stream) info.stream = admission.stream;
    return admission;
  } catch (error) {
    if (error instanceof AccessDenied) return error;
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** True when the request carried credentials of any kind. */
export function hasCredentials(request: RtspRequest, path: StreamPath): boolean {
  return request.headers.has('authorization') || path.url.user !== undefined;
}
