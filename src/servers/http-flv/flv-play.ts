import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import type { SluiceConfig } from '../../config/schema.js';
import type { Protocol } from '../../gate/types.js';
import type { ServerContext } from '../context.js';
import type { HttpRoute, UpgradeRoute } from '../http/http-server.js';
import { SessionInfo, clientIp } from '../session-info.js';
import { compileMount, type MountMatch } from './flv-mount.js';
import { ResponseSink, WebSocketSink } from './flv-output.js';
import { FlvViewer } from './flv-viewer.js';
import { bytesSent } from '../direct-write.js';

const FLV_HEADERS = {
  'Content-Type': 'video/x-flv',
  'Cache-Control': 'no-cache',
  Connection: 'close',
  'Access-Control-Allow-Origin': '*',
};
// Viewers have nothing to say but control frames: a larger message is refused (close 1009).
const WS_MAX_PAYLOAD = 4096;

/** HTTP-FLV and WebSocket-FLV playback at each vhost's `http_remux` mount. */
export class FlvPlayService {
  // The mounts of the configuration they were compiled from (recompiled after a reload).
  private mounts: { config: SluiceConfig; matchers: Array<(path: string) => MountMatch | undefined> } | undefined;
  private webSockets: Promise<WebSocketServer> | undefined;
  private readonly viewers = new Set<FlvViewer>();

  constructor(private readonly ctx: ServerContext) {}

  /** HTTP-FLV: answers GET requests for a mounted stream. */
  readonly route: HttpRoute = async (request, response, url) => {
    const target = request.method === 'GET' ? this.match(url.pathname) : undefined;
    if (!target) return false;
    await this.serve(request, response, target, url);
    return true;
  };

  /** WebSocket-FLV: takes upgrades for a mounted stream. */
  readonly upgradeRoute: UpgradeRoute = async (request, socket, head, url) => {
    const target = this.match(url.pathname);
    if (!target) return false;
    await this.upgrade(request, socket, head, target, url);
    return true;
  };

  /** Ends every viewer (at shutdown). */
  stop(): void {
    for (const viewer of this.viewers) viewer.end('server shutting down');
  }

  /** The stream a request path names, if it is an FLV mount of an enabled vhost. */
  private match(path: string): MountMatch | undefined {
    const config = this.ctx.config.current();
    for (const matcher of this.matchersOf(config)) {
      const found = matcher(path);
      const vhost = found && config.vhosts[found.vhost];
      if (found && vhost?.enabled && vhost.http_remux.enabled) return found;
    }
    return undefined;
  }

  private matchersOf(config: SluiceConfig): Array<(path: string) => MountMatch | undefined> {
    if (this.mounts?.config !== config) {
      const templates = new Set(
        Object.values(config.vhosts)
          .filter((vhost) => vhost.enabled && vhost.http_remux.enabled)
          .map((vhost) => vhost.http_remux.mount),
      );
      this.mounts = { config, matchers: [...templates].map(compileMount) };
    }
    return this.mounts.matchers;
  }

  private async serve(request: IncomingMessage, response: ServerResponse, target: MountMatch, url: URL): Promise<void> {
    const refuse = (status: number, reason: string): void => {
      if (response.headersSent || response.destroyed) return;
      response.writeHead(status, { 'Content-Type': 'text/plain', 'Access-Control-Allow-Origin': '*' });
      response.end(`${reason}\n`);
    };
    const viewer = this.viewerFor('http-flv', request, target, url, () => response.destroy(), refuse);
    if (!viewer) return;
    // 'close' comes when the response is done or the client leaves, at any stage.
    response.on('close', () => viewer.end('connection closed'));
    if (request.socket.destroyed) viewer.end('connection closed');
    if (!(await viewer.admit(refuse))) return;
    response.writeHead(200, FLV_HEADERS);
    response.flushHeaders(); // the FLV header itself waits for the stream's tracks
    viewer.play({
      makeSink: (end) => new ResponseSink(response, end),
      send: (bytes) => response.write(bytes),
      close: () => response.end(),
    });
  }

  private async upgrade(request: IncomingMessage, socket: Duplex, head: Buffer, target: MountMatch, url: URL): Promise<void> {
    // Nothing is read from a client before the gate has admitted it.
    socket.pause();
    const refuse = (status: number, reason: string): void => {
      if (!socket.writable) return;
      socket.end(`HTTP/1.1 ${status} ${status === 403 ? 'Forbidden' : 'Service Unavailable'}\r\n` +
        `Content-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(reason) + 1}\r\nConnection: close\r\n\r\n${reason}\n`);
    };
    const viewer = this.viewerFor('ws-flv', request, target, url, () => socket.destroy(), refuse);
    if (!viewer) return;
    // The socket's close ends the viewer whatever stage it is at, also when `ws` refuses the
    // handshake (it answers 400 and destroys the socket without calling back).
    socket.on('close', () => viewer.end('connection closed'));
    if (socket.destroyed) viewer.end('connection closed');
    if (!(await viewer.admit(refuse))) return;
    // Loaded on the first WebSocket viewer: servers without any never pay for it.
    this.webSockets ??= import('ws').then(
      ({ WebSocketServer }) => new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: WS_MAX_PAYLOAD }),
    );
    const server = await this.webSockets;
    if (viewer.isEnded) return;
    server.handleUpgrade(request, socket, head, (ws: WebSocket) => {
      ws.on('close', () => viewer.end('connection closed'));
      ws.on('error', (error) => viewer.end(`websocket error: ${error.message}`));
      socket.resume();
      viewer.play({
        makeSink: (end) => new WebSocketSink(ws, end),
        send: (bytes) => ws.send(bytes, { binary: true }),
        close: () => ws.close(),
      });
    });
  }

  /** A viewer holding a connection slot, or undefined when the server is full (refused with 503). */
  private viewerFor(
    protocol: Protocol,
    request: IncomingMessage,
    target: MountMatch,
    url: URL,
    kill: () => void,
    refuse: (status: number, reason: string) => void,
  ): FlvViewer | undefined {
    const slot = this.ctx.connections.acquire();
    if (!slot) {
      refuse(503, `server full: max_connections ${this.ctx.config.current().max_connections} reached`);
      return undefined;
    }
    const socket = request.socket;
    const info = new SessionInfo(
      {
        id: this.ctx.sessions.newId(),
        protocol,
        ip: clientIp(socket.remoteAddress),
        vhost: target.vhost,
        app: target.app,
        stream: target.stream,
        param: url.search,
        // SRS reports HTTP-FLV players as `rtmp://{vhost}/{app}`; the notify dialect gets the host used.
        tcUrl: `rtmp://${target.vhost}/${target.app}`,
        clientTcUrl: `${protocol === 'ws-flv' ? 'ws' : 'http'}://${url.host}/${target.app}`,
        pageUrl: request.headers.referer ?? '',
        requestUrl: url.href,
      },
      { bytesSent: () => bytesSent(socket), bytesReceived: () => socket.bytesRead, terminate: kill },
    );
    const viewer = new FlvViewer(this.ctx, info, slot, (ended) => this.viewers.delete(ended));
    this.viewers.add(viewer);
    return viewer;
  }
}
