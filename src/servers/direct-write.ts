import type { Socket } from 'node:net';
import { loadNative } from '../util/native-addon.js';

interface SocketWriteAddon {
  /** One non-blocking sendmsg of the buffers in order: the bytes the kernel took (0 on EAGAIN), or -errno. */
  send(fd: number, ...parts: Buffer[]): number;
}

/** Bytes a socket was given past Node's stream: `bytesSent` adds them to its own count. */
const directBytes = new WeakMap<Socket, { bytes: number }>();
let addon: SocketWriteAddon | undefined;
const CRLF = Buffer.from('\r\n');
/** Buffers one sendmsg takes (Linux's IOV_MAX). */
const MAX_PARTS = 1024;

/**
 * Writes a player's media to a plain TCP socket with one system call while Node has nothing
 * queued for it; otherwise, and for what the kernel did not take, through `socket.write`, so
 * bytes keep their order and a slow player's backlog still shows in `writableLength`. With a
 * thousand players a flush is a thousand writes: skipping the stream's per-write request,
 * completion callback and bookkeeping is most of what a write costs besides the system call.
 */
export class DirectWriter {
  private readonly sent = { bytes: 0 };
  private readonly fd: number;

  constructor(private readonly socket: Socket) {
    // A TLS socket's bytes must go through its encryption: never written around it.
    this.fd = (socket as { encrypted?: boolean }).encrypted ? -1 : handleFd(socket);
    if (this.fd >= 0) {
      addon ??= loadNative<SocketWriteAddon>('socket-write');
      directBytes.set(socket, this.sent);
    }
  }

  /** Nothing waits in Node for this socket: bytes sent now go out right after what was written before. */
  get ready(): boolean {
    const socket = this.socket;
    // A destroyed socket's descriptor is closed (and its number may be reused): never written here.
    return this.fd >= 0 && socket.writable && socket.writableLength === 0 && socket.writableCorked === 0;
  }

  write(bytes: Buffer): void {
    if (this.socket.destroyed) return;
    if (!this.ready) {
      this.socket.write(bytes);
      return;
    }
    const taken = addon!.send(this.fd, bytes);
    if (taken === bytes.length) this.sent.bytes += taken;
    else this.queueRest(taken, [bytes]);
  }

  /**
   * Several buffers as one write, in order (a new player's headers and GOP), without joining
   * them into one: a joined copy per player is memory the process keeps.
   */
  writeAll(parts: readonly Buffer[]): void {
    if (this.socket.destroyed) return;
    for (let at = 0; at < parts.length; at += MAX_PARTS) {
      const some = parts.slice(at, at + MAX_PARTS);
      if (!this.ready) return this.queueRest(0, parts.slice(at));
      const taken = addon!.send(this.fd, ...some);
      if (taken !== byteLength(some)) return this.queueRest(taken, parts.slice(at));
      this.sent.bytes += taken;
    }
  }

  /**
   * `parts` as one chunk of a chunked HTTP/1.1 body, for a response with nothing buffered of its
   * own: only when `ready`, and for at most 1022 parts.
   */
  writeChunk(parts: readonly Buffer[]): void {
    const length = byteLength(parts);
    if (length === 0) return; // an empty chunk would end the body
    const size = Buffer.from(`${length.toString(16)}\r\n`, 'latin1');
    const taken = addon!.send(this.fd, size, ...parts, CRLF);
    if (taken === size.length + length + CRLF.length) this.sent.bytes += taken;
    else this.queueRest(taken, [size, ...parts, CRLF]);
  }

  /**
   * What the kernel did not take goes to Node, which sends it when the socket drains, or meets
   * the error itself (a send that failed) and ends the socket as for any write.
   */
  private queueRest(taken: number, parts: readonly Buffer[]): void {
    let skip = Math.max(taken, 0);
    this.sent.bytes += skip;
    const socket = this.socket;
    socket.cork();
    for (const part of parts) {
      if (skip >= part.length) {
        skip -= part.length;
        continue;
      }
      socket.write(skip > 0 ? part.subarray(skip) : part);
      skip = 0;
    }
    socket.uncork();
  }
}

/** Bytes written to the socket, through Node's stream and around it. */
export function bytesSent(socket: Socket): number {
  return socket.bytesWritten + (directBytes.get(socket)?.bytes ?? 0);
}

/** The most buffers `DirectWriter.writeChunk` sends as one HTTP chunk. */
export const MAX_CHUNK_PARTS = MAX_PARTS - 2;

function byteLength(parts: readonly Buffer[]): number {
  let total = 0;
  for (const part of parts) total += part.length;
  return total;
}

/** The socket's file descriptor while its libuv handle is open; -1 otherwise (or off Unix). */
function handleFd(socket: Socket): number {
  const fd = (socket as unknown as { _handle?: { fd?: number } | null })._handle?.fd;
  return typeof fd === 'number' ? fd : -1;
}
