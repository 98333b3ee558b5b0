import { createServer, type Server, type Socket } from 'node:net';
import type { Endpoint } from '../../config/schema.js';
import { FrameReader, frame } from '../../protocols/webrtc/ice-tcp/framing.js';
import { ProtocolError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import { listen } from '../listen.js';
import type { PeerAddress } from './rtc-transport.js';

/** A connection must prove it belongs to a session (a STUN check with its credentials) this fast. */
const BIND_TIMEOUT_MS = 10_000;
/** ...and within this many bytes: an ICE client sends a check first, then waits for its answer. */
const UNBOUND_BYTES = 64 * 1024;

/** One ICE-TCP connection (RFC 6544, passive side): what a session sends to a peer that reached it over TCP. */
export class TcpLink {
  /** A STUN check with a session's credentials came over it. */
  bound = false;

  constructor(
    private readonly socket: Socket,
    private readonly detach: () => Buffer,
  ) {}

  send(packet: Buffer, done: () => void): void {
    if (this.socket.destroyed) return done();
    this.socket.write(frame(packet), () => done());
  }

  close(): void {
    this.socket.destroy();
  }

  /**
   * Lets go of a connection whose first check names another worker's session: the socket, no
   * longer read here, and every byte it has sent so far, for that worker to read from the start.
   */
  handOff(): { socket: Socket; head: Buffer } {
    return { socket: this.socket, head: this.detach() };
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
 * framed packets, is closed with a log line. Under workers a connection may be handed to the
 * worker that holds its session (`accept` with the bytes read so far).
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

  /**
   * Stops listening and closes the connections held here. The close is not awaited: a server that
   * handed connections to another process (under workers) waits for that process to report them
   * closed, which may never come while the server stops.
   */
  stop(): void {
    for (const socket of this.sockets) socket.destroy();
    this.server.close();
  }

  /** Serves a connection: one just accepted, or one another worker handed over with what it had read (`head`). */
  accept(socket: Socket, head?: Buffer): void {
    const address = socket.remoteAddress?.replace(/^::ffff:/, '') ?? '';
    const port = socket.remotePort ?? 0;
    // What the connection sent before it was bound to a session, kept while it may still be handed off.
    let received: Buffer[] | undefined = [];
    let receivedBytes = 0;
    let handedOff = false;
    const link = new TcpLink(socket, () => {
      handedOff = true;
      socket.off('data', onData).off('error', onError).off('close', onClose).pause();
      clearTimeout(timer);
      this.sockets.delete(socket);
      const all = Buffer.concat(received ?? []);
      received = undefined;
      return all;
    });
    const from: PeerAddress = { address, port, link };
    const reader = new FrameReader();
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const timer = setTimeout(() => {
      if (link.bound) return;
      this.log.info({ peer: `${address}:${port}` }, 'rtc tcp connection matched no session, closed');
      socket.destroy();
    }, BIND_TIMEOUT_MS);
    const onData = (data: Buffer): void => {
      if (link.bound) received = undefined;
      else if (received) {
        received.push(data);
        receivedBytes += data.length;
        if (receivedBytes > UNBOUND_BYTES) {
          this.log.info({ peer: `${address}:${port}`, bytes: receivedBytes }, 'rtc tcp connection sent too much before matching a session, closed');
          socket.destroy();
          return;
        }
      }
      try {
        reader.push(data, (packet) => handedOff || this.handler.packet(packet, from));
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw error;
        this.log.info({ peer: `${address}:${port}`, err: error.message }, 'rtc tcp connection closed: not RFC 4571 framing');
        socket.destroy();
      }
    };
    const onError = (error: Error): void => this.log.debug({ peer: `${address}:${port}`, err: error.message }, 'rtc tcp connection error');
    const onClose = (): void => {
      clearTimeout(timer);
      this.sockets.delete(socket);
      this.handler.closed(from);
    };
    socket.on('data', onData).on('error', onError).on('close', onClose);
    if (head) onData(head);
  }
}
