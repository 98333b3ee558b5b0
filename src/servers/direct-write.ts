import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { loadNative } from '../util/native-addon.js';

interface SocketWriteAddon {
  /** One non-blocking send: the bytes the kernel took (0 on EAGAIN), or -errno. */
  send(fd: number, bytes: Buffer): number;
}

/** Bytes a socket was given past Node's stream: `bytesSent` adds them to its own count. */
const directBytes = new WeakMap<Socket, { bytes: number }>();
let addon: SocketWriteAddon | undefined;

/**
 * Writes a player's media to a plain TCP socket with one send(2) when Node has nothing queued
 * for it, else (or for what the kernel did not take) through `socket.write`, so bytes keep their
 * order and a slow player's backlog still shows in `writableLength`. With a thousand players a
 * flush is a thousand writes: skipping the stream's per-write request, completion callback and
 * bookkeeping is most of what a write costs besides the system call.
 */
export class DirectWriter {
  private readonly sent = { bytes: 0 };
  private readonly fd: number;

  constructor(private readonly socket: Socket) {
    this.fd = socket instanceof TLSSocket ? -1 : handleFd(socket);
    if (this.fd >= 0) {
      addon ??= loadNative<SocketWriteAddon>('socket-write');
      directBytes.set(socket, this.sent);
    }
  }

  write(bytes: Buffer): void {
    const socket = this.socket;
    if (socket.destroyed) return;
    // A destroyed socket's descriptor is closed (and its number may be reused): never written here.
    if (this.fd < 0 || !socket.writable || socket.writableLength > 0 || socket.writableCorked > 0) {
      socket.write(bytes);
      return;
    }
    const taken = addon!.send(this.fd, bytes);
    if (taken > 0) this.sent.bytes += taken;
    // The kernel's buffer is full (or the send failed): Node queues the rest, or meets the error
    // itself and ends the socket as for any write.
    if (taken < bytes.length) socket.write(taken > 0 ? bytes.subarray(taken) : bytes);
  }
}

/** Bytes written to the socket, through Node's stream and around it. */
export function bytesSent(socket: Socket): number {
  return socket.bytesWritten + (directBytes.get(socket)?.bytes ?? 0);
}

/** The socket's file descriptor while its libuv handle is open; -1 otherwise (or off Unix). */
function handleFd(socket: Socket): number {
  const fd = (socket as unknown as { _handle?: { fd?: number } | null })._handle?.fd;
  return typeof fd === 'number' ? fd : -1;
}
