import type { Socket } from 'node:net';
import type { FlushWrites } from '../hub/reader.js';
import { loadNative } from '../util/native-addon.js';

interface SocketWriteAddon {
  /** One non-blocking sendmsg of the buffers in order: the bytes the kernel took (0 on EAGAIN), or -errno. */
  send(fd: number, ...parts: Buffer[]): number;
  /** `send(fds[i], ...parts)` for each of the first `count` descriptors, each result into `results[i]`. */
  sendEach(fds: Int32Array, count: number, results: Float64Array, ...parts: Buffer[]): void;
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
  /** Descriptor of the socket; -1 when it is never written around the stream. */
  readonly fd: number;
  /** Bytes held for the end of a flush (`heldWrites`), and whether they go as an HTTP chunk. */
  private held: Buffer | undefined;
  private heldAsChunk = false;

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

  /** Writes `bytes`; during a flush bracketed by `heldWrites` they may be held and sent at its end. */
  write(bytes: Buffer): void {
    if (this.socket.destroyed) return;
    this.sendHeld();
    if (!this.ready) {
      this.socket.write(bytes);
      return;
    }
    if (!this.holdForFlush(bytes, false)) this.sendNow([bytes]);
  }

  /**
   * True when it holds exactly `bytes` for the end of the flush and can still send them around
   * the stream: it then gives them up to the caller, which sends them and calls `settle`.
   */
  claim(bytes: Buffer, asChunk: boolean): boolean {
    if (this.held !== bytes || this.heldAsChunk !== asChunk) return false;
    if (!this.ready) {
      // Destroyed (its descriptor may be closed), or something was queued in Node meanwhile:
      // the held bytes go behind that, or nowhere.
      this.sendHeld();
      return false;
    }
    this.held = undefined;
    return true;
  }

  /** What the kernel took of `parts` sent around the stream (claimed bytes, as `wireParts` frames them). */
  settle(taken: number, parts: readonly Buffer[]): void {
    if (taken === byteLength(parts)) this.sent.bytes += taken;
    else if (!this.socket.destroyed) this.queueRest(taken, parts);
  }

  /** Sends held bytes now, before any other write to the socket, so that bytes keep their order. */
  sendHeld(): void {
    const held = this.held;
    if (held === undefined) return;
    this.held = undefined;
    const parts = wireParts(held, this.heldAsChunk);
    if (this.ready) this.sendNow(parts);
    else if (!this.socket.destroyed) this.queueRest(0, parts);
  }

  /**
   * Several buffers as one write, in order (a new player's headers and GOP), without joining
   * them into one: a joined copy per player is memory the process keeps.
   */
  writeAll(parts: readonly Buffer[]): void {
    if (this.socket.destroyed) return;
    this.sendHeld();
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
   * own: only when `ready`, and for at most 1022 parts. One buffer may be held, as by `write`.
   */
  writeChunk(parts: readonly Buffer[]): void {
    const length = byteLength(parts);
    if (length === 0) return; // an empty chunk would end the body
    this.sendHeld();
    if (parts.length === 1 && this.ready && this.holdForFlush(parts[0]!, true)) return;
    const framed = [chunkSizeLine(length), ...parts, CRLF];
    if (this.ready) this.sendNow(framed);
    else this.queueRest(0, framed);
  }

  private holdForFlush(bytes: Buffer, asChunk: boolean): boolean {
    if (!heldWrites.hold(this, bytes, asChunk)) return false;
    this.held = bytes;
    this.heldAsChunk = asChunk;
    return true;
  }

  private sendNow(parts: readonly Buffer[]): void {
    this.settle(addon!.send(this.fd, ...parts), parts);
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

/**
 * The writes of a flush, held while the hub goes through a format's readers and sent at its
 * end: each run of writers given the same bytes (players in step share one joined buffer) goes
 * in one native call, a sendmsg per socket, so crossing into native code and back is paid once
 * per flush instead of once per player. A writer holds one buffer at most (written raw or as an
 * HTTP chunk), and any other write to it sends what it holds first, so bytes keep their order.
 */
class HeldWrites implements FlushWrites {
  private depth = 0;
  private readonly writers: DirectWriter[] = [];
  private readonly bytes: Buffer[] = [];
  private readonly asChunk: boolean[] = [];
  private fds = new Int32Array(256);
  private results = new Float64Array(256);

  begin(): void {
    this.depth++;
  }

  end(): void {
    if (--this.depth > 0) return;
    const { writers, bytes, asChunk } = this;
    try {
      for (let from = 0; from < writers.length; ) {
        let to = from + 1;
        while (to < writers.length && bytes[to] === bytes[from] && asChunk[to] === asChunk[from]) to++;
        this.sendRun(from, to);
        from = to;
      }
    } finally {
      writers.length = 0;
      bytes.length = 0;
      asChunk.length = 0;
    }
  }

  /** Holds `bytes` for `writer` until the flush ends; false outside a flush. */
  hold(writer: DirectWriter, bytes: Buffer, asChunk: boolean): boolean {
    if (this.depth === 0) return false;
    this.writers.push(writer);
    this.bytes.push(bytes);
    this.asChunk.push(asChunk);
    return true;
  }

  private sendRun(from: number, to: number): void {
    const shared = this.bytes[from]!;
    const asChunk = this.asChunk[from]!;
    if (this.fds.length < to - from) {
      this.fds = new Int32Array(to - from);
      this.results = new Float64Array(to - from);
    }
    const sending: DirectWriter[] = [];
    for (let i = from; i < to; i++) {
      const writer = this.writers[i]!;
      if (!writer.claim(shared, asChunk)) continue;
      this.fds[sending.length] = writer.fd;
      sending.push(writer);
    }
    if (sending.length === 0) return;
    const parts = wireParts(shared, asChunk);
    addon!.sendEach(this.fds, sending.length, this.results, ...parts);
    for (let i = 0; i < sending.length; i++) sending[i]!.settle(this.results[i]!, parts);
  }
}

/** Brackets the flushes of formats whose players write through `DirectWriter` (RTMP, HTTP-FLV, RTSP over TCP). */
export const heldWrites = new HeldWrites();

/** Bytes written to the socket, through Node's stream and around it. */
export function bytesSent(socket: Socket): number {
  return socket.bytesWritten + (directBytes.get(socket)?.bytes ?? 0);
}

/** The most buffers `DirectWriter.writeChunk` sends as one HTTP chunk. */
export const MAX_CHUNK_PARTS = MAX_PARTS - 2;

/** The buffers that put `bytes` on the wire: as they are, or framed as one HTTP chunk. */
function wireParts(bytes: Buffer, asChunk: boolean): Buffer[] {
  return asChunk ? [chunkSizeLine(bytes.length), bytes, CRLF] : [bytes];
}

function chunkSizeLine(length: number): Buffer {
  return Buffer.from(`${length.toString(16)}\r\n`, 'latin1');
}

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
