import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/**
 * Receivers close kept-alive connections after a few idle seconds (Node's default is 5 s);
 * dropping ours first avoids most requests sent on a connection that is just closing.
 */
const IDLE_MS = 4000;

export interface Lease {
  socket: Socket;
  /** The connection served a request before: if it closes without an answer, it was stale. */
  reused: boolean;
}

/** Keep-alive connections to one receiver origin, at most `max` open; callers beyond wait in line. */
export class OriginPool {
  private readonly idle: Socket[] = [];
  private readonly waiting: ((lease: Lease) => void)[] = [];
  private open = 0;
  private closed = false;

  constructor(
    private readonly url: URL,
    private readonly max: number,
  ) {}

  /** Calls `take` with a connection as soon as there is one; returns a cancel for the wait. */
  acquire(take: (lease: Lease) => void): () => void {
    const socket = this.idle.pop();
    if (socket) {
      socket.setTimeout(0);
      take({ socket, reused: true });
      return () => {};
    }
    if (this.open < this.max) {
      take({ socket: this.connect(), reused: false });
      return () => {};
    }
    this.waiting.push(take);
    return () => {
      const at = this.waiting.indexOf(take);
      if (at >= 0) this.waiting.splice(at, 1);
    };
  }

  /** Hands the connection back after an answer; one that cannot be reused is closed. */
  release(socket: Socket, reusable: boolean): void {
    if (!reusable || this.closed || socket.destroyed) {
      socket.destroy();
      return;
    }
    const next = this.waiting.shift();
    if (next) return next({ socket, reused: true });
    socket.setTimeout(IDLE_MS);
    this.idle.push(socket);
  }

  close(): void {
    this.closed = true;
    for (const socket of this.idle.splice(0)) socket.destroy();
  }

  private connect(): Socket {
    const port = Number(this.url.port) || (this.url.protocol === 'https:' ? 443 : 80);
    const host = this.url.hostname.replace(/^\[|\]$/g, '');
    const socket =
      this.url.protocol === 'https:'
        ? tlsConnect({ host, port, servername: /^[\d.:]+$/.test(host) ? undefined : host })
        : tcpConnect({ host, port, noDelay: true });
    this.open++;
    socket.on('error', () => {}); // the request in flight learns of it through 'close'
    socket.on('timeout', () => socket.destroy()); // idle too long
    socket.once('close', () => {
      this.open--;
      const at = this.idle.indexOf(socket);
      if (at >= 0) this.idle.splice(at, 1);
      // A waiting caller takes the freed slot.
      const next = !this.closed && this.waiting.shift();
      if (next) next({ socket: this.connect(), reused: false });
    });
    return socket;
  }
}
