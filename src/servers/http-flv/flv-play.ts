import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import { flvFileHeader } from '../../formats/flv/header.js';
import type { Protocol } from '../../gate/types.js';
import { Reader, type FrameSink } from '../../hub/reader.js';
import { AccessDenied } from '../../util/errors.js';
import type { ServerContext } from '../context.js';
import type { HttpRoute, UpgradeRoute } from '../http/http-server.js';
import { SessionInfo, clientIp } from '../session-info.js';
import { compileMount, type MountMatch } from './flv-mount.js';
import { ResponseSink, WebSocketSink, flvOutput } from './flv-output.js';

const FLV_HEADERS = {
  'Content-Type': 'video/x-flv',
  'Cache-Control': 'no-cache',
  Connection: 'close',
  'Access-Control-Allow-Origin': '*',
};

/** HTTP-FLV and WebSocket-FLV playback at each vhost's `http_remux` mount. */
export class FlvPlayService {
  private readonly matchers: Array<(path: string) => MountMatch | undefined>;
  private webSockets: Promise<WebSocketServer> | undefined;
  private readonly viewers = new Set<{ end(reason: string): void }>();

  constructor(private readonly ctx: ServerContext) {
    const templates = new Set(
      Object.values(ctx.config.vhosts)
        .filter((vhost) => vhost.enabled && vhost.http_remux.enabled)
        .map((vhost) => vhost.http_remux.mount),
    );
    this.matchers = [...templates].map(compileMount);
  }

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

  /** The stream a request path names, if it is an FLV mount of an enabled vhost. */
  private match(path: string): MountMatch | undefined {
    for (const matcher of this.matchers) {
      const found = matcher(path);
      const vhost = found && this.ctx.config.vhosts[found.vhost];
      if (found && vhost?.enabled && vhost.http_remux.enabled) return found;
    }
    return undefined;
  }

  private async serve(request: IncomingMessage, response: ServerResponse, target: MountMatch, url: URL): Promise<void> {
    const info = this.sessionFor('http-flv', request, target, url, () => response.destroy());
    const admitted = await this.admit(info, (status, reason) => {
      response.writeHead(status, { 'Content-Type': 'text/plain', 'Access-Control-Allow-Origin': '*' });
      response.end(`${reason}\n`);
    });
    if (!admitted) return;
    response.writeHead(200, FLV_HEADERS);
    response.write(flvFileHeader(true, true));
    const viewer = this.startViewer(info, (end) => new ResponseSink(response, end), () => response.end());
    request.socket.on('close', () => viewer.end('connection closed'));
    if (request.socket.destroyed) viewer.end('connection closed');
  }

  private async upgrade(request: IncomingMessage, socket: Duplex, head: Buffer, target: MountMatch, url: URL): Promise<void> {
    const info = this.sessionFor('ws-flv', request, target, url, () => socket.destroy());
    const admitted = await this.admit(info, (status, reason) => {
      socket.end(`HTTP/1.1 ${status} ${status === 403 ? 'Forbidden' : 'Service Unavailable'}\r\n` +
        `Content-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(reason) + 1}\r\nConnection: close\r\n\r\n${reason}\n`);
    });
    if (!admitted) return;
    // Loaded on the first WebSocket viewer: servers without any never pay for it.
    this.webSockets ??= import('ws').then(({ WebSocketServer }) => new WebSocketServer({ noServer: true, perMessageDeflate: false }));
    (await this.webSockets).handleUpgrade(request, socket, head, (ws: WebSocket) => {
      ws.send(flvFileHeader(true, true));
      const viewer = this.startViewer(info, (end) => new WebSocketSink(ws, end), () => ws.close());
      ws.on('close', () => viewer.end('connection closed'));
      ws.on('error', (error) => viewer.end(`websocket error: ${error.message}`));
    });
  }

  /** Ends every viewer (at shutdown). */
  stop(): void {
    for (const viewer of this.viewers) viewer.end('server shutting down');
  }

  private sessionFor(protocol: Protocol, request: IncomingMessage, target: MountMatch, url: URL, kill: () => void): SessionInfo {
    const socket = request.socket;
    return new SessionInfo(
      {
        protocol,
        ip: clientIp(socket.remoteAddress),
        vhost: target.vhost,
        app: target.app,
        stream: target.stream,
        param: url.search,
        tcUrl: `rtmp://${target.vhost}/${target.app}`,
        pageUrl: request.headers.referer ?? '',
        requestUrl: url.href,
      },
      { bytesSent: () => socket.bytesWritten, bytesReceived: () => socket.bytesRead, terminate: kill },
    );
  }

  /** Takes a connection slot and asks the gate; answers the refusal itself. */
  private async admit(info: SessionInfo, refuse: (status: number, reason: string) => void): Promise<boolean> {
    if (!this.ctx.connections.tryAcquire()) {
      refuse(503, `server full: max_connections ${this.ctx.config.max_connections} reached`);
      return false;
    }
    try {
      const admission = await this.ctx.gate.play(info);
      if (admission.stream) info.stream = admission.stream;
      return true;
    } catch (error) {
      this.ctx.connections.release();
      if (!(error instanceof AccessDenied)) throw error;
      this.ctx.logger.warn({ client: info.id, ip: info.ip, protocol: info.protocol, stream: info.path, reason: error.reason }, 'play refused');
      refuse(403, error.reason);
      return false;
    }
  }

  private startViewer(
    info: SessionInfo,
    makeSink: (end: (reason: string) => void) => FrameSink,
    closeTransport: () => void,
  ): { end(reason: string): void } {
    const stream = this.ctx.hub.acquire(info.vhost, info.app, info.stream);
    let ended = false;
    const viewer = {
      end: (reason: string): void => {
        if (ended) return;
        ended = true;
        this.viewers.delete(viewer);
        this.ctx.sessions.remove(info);
        stream.removeReader(reader);
        closeTransport();
        this.ctx.connections.release();
        this.ctx.gate.stopped(info);
        this.ctx.gate.closed(info);
        this.ctx.logger.info(
          {
            client: info.id,
            ip: info.ip,
            protocol: info.protocol,
            stream: info.path,
            sent: info.bytesSent(),
            received: info.bytesReceived(),
            duration_ms: Date.now() - info.startedAt,
            reason,
          },
          'session end',
        );
      },
    };
    const reader = new Reader(info.id, makeSink(viewer.end), flvOutput);
    this.viewers.add(viewer);
    stream.addReader(reader);
    this.ctx.sessions.add(info, 'flv-play');
    this.ctx.logger.info({ client: info.id, ip: info.ip, protocol: info.protocol, stream: info.path, param: info.param }, 'play start');
    return viewer;
  }
}
