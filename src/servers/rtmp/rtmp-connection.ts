import type { Socket } from 'node:net';
import { ChunkReader } from '../../protocols/rtmp/chunk-reader.js';
import { encodeMessage } from '../../protocols/rtmp/chunk-writer.js';
import { ServerHandshake } from '../../protocols/rtmp/handshake.js';
import { acknowledgement, setChunkSize, type RtmpMessage } from '../../protocols/rtmp/messages.js';
import { SluiceError } from '../../util/errors.js';

/** The client missed a deadline (handshake, connect, publish or play): its doing, not a server fault. */
export class ClientTimeout extends SluiceError {}

export interface ConnectionLimits {
  maxMessageSize: number;
  handshakeTimeoutMs: number;
}

/** What the session does with each message; a returned promise holds later messages back. */
export type MessageHandler = (message: RtmpMessage) => void | Promise<void>;

const MAX_CHUNK_STREAMS = 64;
// Our acknowledgement window until the client announces its own (what SRS uses).
const DEFAULT_ACK_WINDOW = 2_500_000;
// With merged reads, a read smaller than this means the kernel had little waiting (SRS's threshold).
const SMALL_READ = 4096;

/**
 * The RTMP transport of one client: handshake, chunk stream in both directions, acknowledgements,
 * and in-order handling of messages. A command that waits (for the gate) holds the ones after it,
 * and the socket is paused meanwhile, so a client cannot make the server buffer without bound.
 */
export class RtmpConnection {
  private handshake: ServerHandshake | undefined = new ServerHandshake();
  private readonly reader: ChunkReader;
  private outChunkSize = 128;
  private ackWindow = DEFAULT_ACK_WINDOW;
  private lastAckAt = 0;
  private readonly backlog: RtmpMessage[] = [];
  private busy = false;
  private closed = false;
  private deadline: NodeJS.Timeout | undefined;
  private mergedReadMs = 0;
  private sleeping: NodeJS.Timeout | undefined;

  constructor(
    readonly socket: Socket,
    limits: ConnectionLimits,
    private readonly handle: MessageHandler,
    private readonly fail: (error: unknown) => void,
  ) {
    this.reader = new ChunkReader({ maxMessageSize: limits.maxMessageSize, maxChunkStreams: MAX_CHUNK_STREAMS });
    this.expect('RTMP connect', limits.handshakeTimeoutMs);
    socket.on('data', (data: Buffer) => this.receive(data));
  }

  /** Closes the client unless the next step (`what`) is done within `ms`; replaces any earlier deadline. */
  expect(what: string, ms: number): void {
    clearTimeout(this.deadline);
    this.deadline = setTimeout(() => this.fail(new ClientTimeout(`no ${what} within ${ms} ms`)), ms);
  }

  /** The awaited step arrived. */
  cancelDeadline(): void {
    clearTimeout(this.deadline);
  }

  get chunkSize(): number {
    return this.outChunkSize;
  }

  send(message: RtmpMessage): void {
    if (this.closed) return;
    // The messages of one turn (connect's four, play's status messages) leave in one write:
    // under a burst of players every write saved is CPU left for accepting the next ones.
    if (!this.socket.writableCorked) {
      this.socket.cork();
      process.nextTick(() => this.socket.uncork());
    }
    this.socket.write(encodeMessage(message, this.outChunkSize));
  }

  /** Announces and starts using a larger outgoing chunk size. */
  useChunkSize(size: number): void {
    this.send(setChunkSize(size));
    this.outChunkSize = size;
  }

  setAckWindow(size: number): void {
    if (size > 0) this.ackWindow = size;
  }

  /**
   * Merged read: after a small read, leave the socket unread for `ms` so the next read takes all
   * that arrived meanwhile (0: read as data arrives). A publisher's bytes cost far less CPU read in
   * a few large reads than in many small ones, at the price of up to `ms` of added latency.
   */
  mergeReads(ms: number): void {
    this.mergedReadMs = ms;
    if (ms === 0) this.wake();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.deadline);
    clearTimeout(this.sleeping);
    this.backlog.length = 0;
    this.socket.end();
    // A client that never reads its last bytes must not keep the socket open.
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  private receive(data: Buffer): void {
    if (this.closed) return;
    try {
      if (this.handshake) {
        const step = this.handshake.feed(data);
        if (step.reply) this.socket.write(step.reply);
        if (!step.done) return;
        this.handshake = undefined;
        data = step.rest;
        if (data.length === 0) return;
      }
      this.reader.push(data, (message) => this.backlog.push(message));
      this.acknowledge();
      this.drain();
      // Chunks the socket buffered while paused arrive back to back; only the last tells the pace.
      if (this.mergedReadMs > 0 && data.length < SMALL_READ && this.socket.readableLength === 0) this.sleep();
    } catch (error) {
      this.fail(error);
    }
  }

  private acknowledge(): void {
    const received = this.reader.bytesReceived;
    if (received - this.lastAckAt < this.ackWindow) return;
    this.lastAckAt = received;
    this.send(acknowledgement(received >>> 0));
  }

  /**
   * Handles queued messages in order. While a handler's promise is pending nothing more is read:
   * what is queued is at most what one read brought.
   */
  private drain(): void {
    while (!this.busy && !this.closed && this.backlog.length > 0) {
      const message = this.backlog.shift()!;
      const pending = this.handle(message);
      if (pending) {
        this.busy = true;
        this.socket.pause();
        pending.then(
          () => {
            this.busy = false;
            if (this.closed) return;
            this.socket.resume();
            this.drain();
          },
          (error: unknown) => this.fail(error),
        );
      }
    }
  }

  private sleep(): void {
    if (this.busy || this.closed || this.sleeping) return;
    this.socket.pause();
    this.sleeping = setTimeout(() => this.wake(), this.mergedReadMs);
  }

  private wake(): void {
    if (!this.sleeping) return;
    clearTimeout(this.sleeping);
    this.sleeping = undefined;
    if (!this.busy && !this.closed) this.socket.resume();
  }
}
