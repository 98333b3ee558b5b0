import { createServer, type Server, type Socket } from 'node:net';
import type { Endpoint } from '../../config/schema.js';
import { maxPendingConnections, type ConnectionSlot, type ServerContext } from '../context.js';
import { listen, closeServer } from '../listen.js';
import { RtmpSession } from './rtmp-session.js';

/**
 * Accepts RTMP connections on every configured address. A connection holds a slot of
 * `max_connections` while open, and one of the smaller pending budget until the gate admits it
 * to publish or play, so clients that never get that far cannot crowd out the ones that do.
 */
export class RtmpServer {
  private readonly servers: Server[] = [];
  private readonly sessions = new Set<RtmpSession>();

  constructor(private readonly ctx: ServerContext) {}

  async start(endpoints: Endpoint[]): Promise<number[]> {
    const ports: number[] = [];
    for (const endpoint of endpoints) {
      // Handshake and commands are answered at once; the vhost's tcp_nodelay applies from publish or play.
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
    const slots = this.takeSlots();
    const held = typeof slots === 'string' ? undefined : slots;
    const session = new RtmpSession(socket, this.ctx, typeof slots === 'string' ? slots : undefined, {
      admitted: () => held?.pending.release(),
      ended: (ended) => {
        this.sessions.delete(ended);
        held?.pending.release();
        held?.connection.release();
      },
    });
    this.sessions.add(session);
  }

  /** Takes a connection slot and a pending slot; says why not when either budget is spent. */
  private takeSlots(): { connection: ConnectionSlot; pending: ConnectionSlot } | string {
    const config = this.ctx.config.current();
    const connection = this.ctx.connections.acquire();
    if (!connection) return `server full: max_connections ${config.max_connections} reached`;
    const pending = this.ctx.pending.acquire();
    if (pending) return { connection, pending };
    connection.release();
    return `server busy: max_pending_connections ${maxPendingConnections(config)} clients have yet to publish or play`;
  }
}
