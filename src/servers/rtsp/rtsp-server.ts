import { createServer, type Server, type Socket } from 'node:net';
import type { ServerContext } from '../context.js';
import { closeServer, listen } from '../listen.js';
import { encodeResponse } from '../../protocols/rtsp/message.js';
import { RtspConnection } from './rtsp-connection.js';
import { RtpOutputs } from './rtp-output.js';
import { UdpPair } from './udp-pair.js';

/**
 * The RTSP listener: a TCP port for requests and interleaved RTP (shared by every worker), and
 * one UDP pair for RTP/RTCP over UDP (each worker's own). Connections hold a `max_connections`
 * slot while open and one of the smaller pending budget until the gate admits them to publish or
 * play.
 */
export class RtspServer {
  private server: Server | undefined;
  private udp: UdpPair | undefined;
  private readonly connections = new Set<RtspConnection>();
  private readonly outputs = new RtpOutputs();

  /** `rtpPort`: the UDP RTP port this process binds (its worker's own pair; 0 for a free one). */
  constructor(
    private readonly ctx: ServerContext,
    private readonly rtpPort: number,
  ) {}

  /** Starts listening; resolves with the TCP port and the UDP RTP port (0 without UDP). */
  async start(): Promise<{ port: number; rtpPort: number }> {
    const config = this.ctx.config.current().rtsp_server;
    if (config.udp) {
      this.udp = new UdpPair(this.ctx.logger);
      await this.udp.start(config.listen.host, this.rtpPort);
    }
    const server = createServer({ noDelay: true }, (socket) => this.accept(socket));
    const port = await listen(server, config.listen);
    this.server = server;
    const [rtpPort, rtcpPort] = this.udp?.ports ?? [0, 0];
    this.ctx.logger.info({ address: `${config.listen.host}:${port}`, ...(this.udp && { rtp_port: rtpPort, rtcp_port: rtcpPort }) }, 'rtsp listening');
    return { port, rtpPort };
  }

  get sessionCount(): number {
    return this.connections.size;
  }

  async stop(): Promise<void> {
    const closing = this.server ? closeServer(this.server) : Promise.resolve();
    for (const connection of [...this.connections]) connection.close('server shutting down');
    await closing;
    await this.udp?.stop();
  }

  private accept(socket: Socket): void {
    const slot = this.ctx.connections.acquire();
    const pending = slot && this.ctx.pending.acquire();
    if (!slot || !pending) {
      slot?.release();
      this.ctx.logger.warn({ ip: socket.remoteAddress }, 'rtsp connection refused: server full');
      socket.end(encodeResponse(503, [['CSeq', '0']]));
      return;
    }
    const connection = new RtspConnection(socket, {
      ctx: this.ctx,
      outputs: this.outputs,
      udp: this.udp,
      slot,
      pending,
      ended: (ended) => this.connections.delete(ended),
    });
    this.connections.add(connection);
  }
}
