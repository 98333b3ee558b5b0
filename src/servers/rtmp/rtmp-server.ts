import { createServer, type Server, type Socket } from 'node:net';
import type { Endpoint } from '../../config/schema.js';
import type { ServerContext } from '../context.js';
import { listen, closeServer } from '../listen.js';
import { RtmpSession } from './rtmp-session.js';

/** Accepts RTMP connections on every configured address. */
export class RtmpServer {
  private readonly servers: Server[] = [];
  private readonly sessions = new Set<RtmpSession>();

  constructor(private readonly ctx: ServerContext) {}

  async start(endpoints: Endpoint[]): Promise<number[]> {
    const ports: number[] = [];
    for (const endpoint of endpoints) {
      const server = createServer({ noDelay: true }, (socket) => this.accept(socket));
      ports.push(await listen(server, endpoint));
      this.servers.push(server);
      this.ctx.logger.info({ address: `${endpoint.host}:${ports.at(-1)}` }, 'rtmp listening');
    }
    return ports;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Stops accepting, then ends every session. */
  async stop(): Promise<void> {
    const closing = this.servers.map((server) => closeServer(server));
    for (const session of this.sessions) session.close('server shutting down');
    await Promise.all(closing);
  }

  private accept(socket: Socket): void {
    // A server that is full still answers the connect command, with a clear refusal.
    const admitted = this.ctx.connections.tryAcquire();
    const session = new RtmpSession(socket, this.ctx, admitted, (ended) => {
      this.sessions.delete(ended);
      if (admitted) this.ctx.connections.release();
    });
    this.sessions.add(session);
  }
}
