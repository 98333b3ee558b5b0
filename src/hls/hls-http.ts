import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { HlsConfig } from '../config/schema.js';
import type { Admission, ClientSession } from '../gate/types.js';
import { SessionInfo, clientIp } from '../servers/session-info.js';
import { AccessDenied } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import type { HlsOutput } from './hls-output.js';
import { resolveInside } from '../util/path-template.js';
import { masterPlaylist } from './playlist.js';
import type { HlsViewers, ViewerCounter, ViewerGate } from './viewers.js';

export interface PlayGate extends ViewerGate {
  play(session: ClientSession): Promise<Admission>;
}

/** The playlists being served, found by URL path (relative to hls_path). */
export interface PlaylistLookup {
  find(m3u8Url: string): { output: HlsOutput; config: HlsConfig } | undefined;
  /** Every distinct hls_path, where segment files are looked up. */
  roots(): string[];
}

const PLAYLIST_HEADERS = {
  'Content-Type': 'application/vnd.apple.mpegurl',
  'Cache-Control': 'no-cache',
  'Access-Control-Allow-Origin': '*',
};
const SEGMENT_HEADERS = { 'Content-Type': 'video/MP2T', 'Access-Control-Allow-Origin': '*' };

/**
 * Serves HLS over HTTP as SRS does: a viewer's first playlist request passes the gate and gets a
 * master playlist naming its session (`?hls_ctx=ID`); later requests with that id are the same
 * viewer. Segments are served to anyone (they are only found through a playlist).
 */
export class HlsHttp {
  constructor(
    private readonly playlists: PlaylistLookup,
    private readonly viewers: HlsViewers,
    private readonly gate: PlayGate,
    private readonly logger: Logger,
  ) {}

  async handle(request: IncomingMessage, response: ServerResponse, url: URL): Promise<boolean> {
    if (request.method !== 'GET') return false;
    const path = url.pathname.replace(/^\/+/, '');
    if (path.endsWith('.m3u8')) {
      const found = this.playlists.find(path);
      if (!found) return false;
      await this.playlist(request, response, url, found.output, found.config);
      return true;
    }
    if (path.endsWith('.ts')) return this.segment(response, url, path);
    return false;
  }

  private async playlist(request: IncomingMessage, response: ServerResponse, url: URL, output: HlsOutput, config: HlsConfig): Promise<void> {
    if (!output.ready) {
      send(response, 404, 'text/plain', 'playlist not ready\n');
      return;
    }
    const ctx = url.searchParams.get('hls_ctx');
    const viewer = config.hls_ctx ? this.viewers.touch(ctx) : undefined;
    if (viewer && isViewerOf(viewer, output)) {
      const body = output.render(`?hls_ctx=${ctx}`);
      this.viewers.touch(ctx, Buffer.byteLength(body));
      send(response, 200, PLAYLIST_HEADERS, body);
      return;
    }
    const counter: ViewerCounter = { sent: 0 };
    const session = new SessionInfo(
      {
        id: this.viewers.newId(),
        protocol: 'hls',
        ip: clientIp(request.socket.remoteAddress),
        vhost: output.name.vhost,
        app: output.name.app,
        // SRS names an HLS viewer's stream as asked for, and its tcUrl without the port.
        stream: `${output.name.stream}.m3u8`,
        param: url.search,
        tcUrl: `http://${url.hostname}/${output.name.app}`,
        pageUrl: request.headers.referer ?? '',
        requestUrl: url.href,
      },
      { bytesSent: () => counter.sent, bytesReceived: () => 0, terminate: (reason) => this.viewers.end(session.id, reason) },
    );
    try {
      await this.gate.play(session);
    } catch (error) {
      if (!(error instanceof AccessDenied)) throw error;
      this.logger.warn({ client: session.id, ip: session.ip, protocol: 'hls', stream: `${session.app}/${session.stream}`, reason: error.reason }, 'play refused');
      send(response, 403, 'text/plain', `${error.reason}\n`);
      return;
    }
    this.logger.info({ client: session.id, ip: session.ip, protocol: 'hls', stream: `${session.app}/${session.stream}`, param: session.param }, 'play start');
    if (!config.hls_ctx) {
      // Without sessions each playlist request is a whole play, reported as ended at once.
      const body = output.render();
      counter.sent = Buffer.byteLength(body);
      send(response, 200, PLAYLIST_HEADERS, body);
      this.gate.stopped(session);
      this.gate.closed(session);
      return;
    }
    const master = masterPlaylist(`${url.pathname}?hls_ctx=${session.id}`);
    counter.sent = Buffer.byteLength(master);
    this.viewers.add(session, config.hls_window * 2 * 1000, counter);
    send(response, 200, PLAYLIST_HEADERS, master);
  }

  private async segment(response: ServerResponse, url: URL, path: string): Promise<boolean> {
    for (const root of this.playlists.roots()) {
      let file: string;
      try {
        file = resolveInside(root, decodeURIComponent(path));
      } catch {
        continue;
      }
      const info = await stat(file).catch(() => undefined);
      if (!info?.isFile()) continue;
      this.viewers.served(url.searchParams.get('hls_ctx'), info.size);
      response.writeHead(200, { ...SEGMENT_HEADERS, 'Content-Length': info.size });
      await pipeline(createReadStream(file), response).catch((error: unknown) => {
        this.logger.debug({ err: error, file }, 'hls segment not fully sent');
      });
      return true;
    }
    return false;
  }
}

/** A session id only stands for the stream it was admitted to. */
function isViewerOf(viewer: ClientSession, output: HlsOutput): boolean {
  const { vhost, app, stream } = output.name;
  return viewer.vhost === vhost && viewer.app === app && viewer.stream === `${stream}.m3u8`;
}

function send(response: ServerResponse, status: number, headers: Record<string, string> | string, body: string): void {
  const base = typeof headers === 'string' ? { 'Content-Type': headers, 'Access-Control-Allow-Origin': '*' } : headers;
  response.writeHead(status, { ...base, 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
}
