import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Server as TlsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Endpoint } from '../../config/schema.js';
import { ConfigError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import { httpsModule } from '../../util/tls-modules.js';
import { closeServer, listen } from '../listen.js';
import { BadRequest, requestTarget } from './request-target.js';

/** A route answers a request it recognises and returns true; false passes it on. */
export type HttpRoute = (request: IncomingMessage, response: ServerResponse, url: URL) => Promise<boolean> | boolean;
export type UpgradeRoute = (request: IncomingMessage, socket: Duplex, head: Buffer, url: URL) => Promise<boolean> | boolean;

/** PEM files of an HTTPS listener (SRS `https { key ...; cert ...; }`). */
export interface TlsFiles {
  key: string;
  cert: string;
  /** The config block they come from, for errors (`http_server.https`). */
  setting?: string;
}

/**
 * The HTTP listener: tries each route in order, answers 404 when none takes the request.
 * Given TLS files it serves the same routes over HTTPS (and WebSocket upgrades as wss).
 */
export class HttpServer {
  private readonly server: Server | TlsServer;

  constructor(
    private readonly name: string,
    private readonly routes: HttpRoute[],
    private readonly upgradeRoutes: UpgradeRoute[],
    private readonly logger: Logger,
    private readonly tls?: TlsFiles,
  ) {
    const handler = (request: IncomingMessage, response: ServerResponse): void => void this.dispatch(request, response);
    this.server = tls ? httpsModule().createServer(readTlsFiles(tls), handler) : createServer(handler);
    // A client that fails the TLS handshake (wrong protocol, distrusts the certificate) is its own problem.
    if (tls) {
      this.server.on('tlsClientError', (error: Error, socket: Socket) => {
        this.logger.debug({ err: error.message, ip: socket.remoteAddress }, `${name}: tls handshake failed`);
      });
    }
    this.server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => void this.dispatchUpgrade(request, socket, head));
    // Node drops its own error listener when a socket is upgraded: ours stays from accept to
    // close, so a client's reset can never become an uncaught exception.
    this.server.on('connection', (socket: Socket) => {
      socket.on('error', (error) => this.logger.debug({ err: error.message, ip: socket.remoteAddress }, `${name}: connection error`));
    });
    this.server.on('clientError', (error, socket) => {
      this.logger.debug({ err: error.message }, `${name}: bad request`);
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    });
  }

  async start(endpoint: Endpoint): Promise<number> {
    const port = await listen(this.server, endpoint);
    this.logger.info({ address: `${endpoint.host}:${port}` }, `${this.name} listening`);
    return port;
  }

  /** Reads the key and certificate again; new connections use them, open ones keep theirs. */
  reloadCertificate(): void {
    if (!this.tls || !('setSecureContext' in this.server)) return;
    this.server.setSecureContext(readTlsFiles(this.tls));
    this.logger.info({ cert: this.tls.cert }, `${this.name}: certificate reloaded`);
  }

  async stop(): Promise<void> {
    const closing = closeServer(this.server);
    this.server.closeAllConnections();
    await closing;
  }

  private async dispatch(request: IncomingMessage, response: ServerResponse): Promise<void> {
    response.on('error', (error) => this.logger.debug({ err: error.message, url: request.url }, `${this.name}: response not sent`));
    try {
      const url = requestTarget(request.url, request.headers.host);
      for (const route of this.routes) {
        if (await route(request, response, url)) return;
      }
      sendText(response, 404, 'not found');
    } catch (error) {
      if (error instanceof BadRequest) {
        this.logger.debug({ err: error.message, url: request.url, ip: request.socket.remoteAddress }, `${this.name}: bad request`);
        if (!response.headersSent) sendText(response, 400, 'bad request');
        return;
      }
      this.logger.error({ err: error, url: request.url }, `${this.name}: request failed`);
      if (!response.headersSent) sendText(response, 500, 'internal error');
      else response.destroy();
    }
  }

  private async dispatchUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    try {
      const url = requestTarget(request.url, request.headers.host);
      for (const route of this.upgradeRoutes) {
        if (await route(request, socket, head, url)) return;
      }
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
    } catch (error) {
      if (error instanceof BadRequest) {
        this.logger.debug({ err: error.message, url: request.url, ip: request.socket.remoteAddress }, `${this.name}: bad upgrade request`);
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
        return;
      }
      this.logger.error({ err: error, url: request.url }, `${this.name}: upgrade failed`);
      socket.destroy();
    }
  }
}

function readTlsFiles(tls: TlsFiles): { key: Buffer; cert: Buffer } {
  const read = (what: 'key' | 'cert'): Buffer => {
    try {
      return readFileSync(tls[what]);
    } catch (error) {
      throw new ConfigError(`cannot read ${tls[what]}: ${(error as Error).message}`, `${tls.setting ?? 'https'}.${what}`, { cause: error });
    }
  };
  return { key: read('key'), cert: read('cert') };
}

export function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Access-Control-Allow-Origin': '*' });
  response.end(`${text}\n`);
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*' });
  response.end(JSON.stringify(body));
}
