import { createServer, type Server, type Socket } from 'node:net';
import type { Endpoint } from '../../config/schema.js';
import { FrameReader, frame } from '../../protocols/webrtc/ice-tcp/framing.js';
import { ProtocolError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import { closeServer, listen } from '../listen.js';
import type { PeerAddress } from './rtc-transport.js';

/** A connection must prove it belongs to a session (a STUN check with its credentials) this fast. */
const BIND_TIMEOUT_MS = 10_000;

/** One ICE-TCP connection (RFC 6544, passive side): what a session sends to a peer that reached it over TCP. */
export class TcpLink {
  /** A STUN check with a session's credentials came over it. */
  bound = false;

  constructor(private readonly socket: Socket) {}

  send(packet: Buffer, done: () => void): void {
    if (this.socket.destroyed) return done();
    this.socket.write(frame(packet), () => done());
  }

  close(): void {
    this.socket.destroy();
  }
}

export interface TcpPacketHandler {
  /** A packet from a peer; `from.link` is its connection. */
  packet(packet: Buffer, from: PeerAddress): void;
  /** The connection closed: sessions that send over it have lost their peer. */
  closed(from: PeerAddress): void;
}

/**
 * WebRTC over TCP (SRS's `rtc_server { tcp { enabled on; } }`): browsers that cannot reach the
 * UDP port connect here and carry the same STUN, DTLS and SRTP, each packet framed as RFC 4571
 * says. A connection that has not matched a session within 10 s, or sends bytes that are not
 * framed packets, is closed with a log line.
 */
export class RtcTcpListener {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly handler: TcpPacketHandler,
    private readonly log: Logger,
  ) {
    this.server = createServer((socket) => this.accept(socket));
  }

  start(endpoint: Endpoint): Promise<number> {
    return listen(this.server, endpoint);
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await closeServer(this.server);
  }

  private accept(socket: Socket): void {
    const address = socket.remoteAddress?.replace(/^::ffff:/, '') ?? '';
    const port = socket.remotePort ?? 0;
    const link = new TcpLink(socket);
    const from: PeerAddress = { address, port, link };
    const reader = new FrameReader();
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const timer = setTimeout(() => {
      if (link.bound) return;
      this.log.info({ peer: `${address}:${port}` }, 'rtc tcp connection matched no session, closed');
      socket.destroy();
    }, BIND_TIMEOUT_MS);
    socket.on('data', (data) => {
      try {
        reader.push(data, (packet) => this.handler.packet(packet, from));
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw error;
        this.log.info({ peer: `${address}:${port}`, err: error.message }, 'rtc tcp connection closed: not RFC 4571 framing');
        socket.destroy();
      }
    });
    socket.on('error', (error) => this.log.debug({ peer: `${address}:${port}`, err: error.message }, 'rtc tcp connection error'));
    socket.on('close', () => {
      clearTimeout(timer);
      this.sockets.delete(socket);
      this.handler.closed(from);
    });
  }
}
