import type { EncodedFrame, MediaFrame } from '../media/frame.js';
import type { BatchJoiner } from './batch-joiner.js';

/** Where a reader's bytes go: a socket, an HTTP response, a WebSocket. */
export interface FrameSink {
  /** Bytes handed over but not yet taken by the kernel (socket.writableLength and the like). */
  readonly pendingBytes: number;
  /** Writes one batch of bytes. */
  write(bytes: Buffer): void;
  /** Ends the connection; `reason` is logged by the owner. */
  close(reason: string): void;
}

/** How one output format turns a frame into bytes; `key` names the encoding shared by readers. */
export interface OutputFormat {
  readonly key: string;
  encode(frame: MediaFrame): Buffer;
}

export interface ReaderLimits {
  /** Bytes queued in the sink above which the reader drops frames until the next keyframe. */
  maxPendingBytes: number;
  /** How long a reader may stay above that bound before it is disconnected, in ms. */
  maxStallMs: number;
}

export interface ReaderStats {
  framesSent: number;
  framesDropped: number;
  /** Disconnected because it stopped reading. */
  tooSlow: boolean;
}

/**
 * Anything attached to a stream that takes its frames: a player connection (Reader below), an
 * HLS segmenter, a recorder. `enqueue` must return at once; writing happens in `flush`.
 */
export interface StreamReader {
  readonly id: string;
  /** Set by readers that are not viewers (HLS segmenter, recorder): they are no stream's clients. */
  readonly internal?: boolean;
  /** Frames skipped for a slow reader (players; absent for internal readers). */
  readonly stats?: ReaderStats;
  /** Takes a frame; returns true when the reader has something to flush. */
  enqueue(frame: EncodedFrame, limits: ReaderLimits, now: number): boolean;
  /** Writes what was queued; `batches` lets readers in step share one joined buffer. */
  flush(batches: BatchJoiner): void;
  /** The publisher changed (or playback resumed): start again from the next keyframe. */
  resync(): void;
}

/**
 * One player connection attached to a stream. Frames are queued and written in batches by
 * the stream's flush; a slow reader drops frames until the next keyframe and is disconnected
 * when it stops reading, so it never slows the publisher or the other readers.
 */
export class Reader implements StreamReader {
  private pending: Buffer[] = [];
  private waitingForKeyframe = true;
  private stalledSince: number | undefined;
  private closed = false;
  audioEnabled = true;
  videoEnabled = true;
  readonly stats: ReaderStats = { framesSent: 0, framesDropped: 0, tooSlow: false };

  constructor(
    readonly id: string,
    private readonly sink: FrameSink,
    private readonly format: OutputFormat,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  /** Queues a frame; returns true when the reader has something to flush. */
  enqueue(frame: EncodedFrame, limits: ReaderLimits, now: number): boolean {
    if (this.closed) return false;
    if (!this.accepts(frame, limits, now)) {
      this.stats.framesDropped++;
      // Closed after counting, so the hub's totals include the frame that ended it.
      if (this.stats.tooSlow) this.close(`too slow: ${this.sink.pendingBytes} bytes unread for ${now - (this.stalledSince ?? now)} ms`);
      return false;
    }
    this.pending.push(frame.encoded(this.format.key, this.format.encode));
    this.stats.framesSent++;
    return true;
  }

  /** Starts the next frames from a keyframe again (after a pause or a new publisher). */
  resync(): void {
    this.waitingForKeyframe = true;
  }

  flush(batches: BatchJoiner): void {
    if (this.pending.length === 0 || this.closed) return;
    const chunks = this.pending;
    this.pending = [];
    this.sink.write(batches.join(chunks));
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = [];
    this.sink.close(reason);
  }

  private accepts(frame: EncodedFrame, limits: ReaderLimits, now: number): boolean {
    // Codec configuration and metadata always pass: without them nothing after decodes.
    if (frame.sequenceHeader || frame.kind === 'data') return true;
    // Once stalled, a reader must drain to half the bound to count as caught up: a bound that
    // moves with the stream's bitrate must not keep resetting the clock of a reader that is stuck.
    const bound = this.stalledSince === undefined ? limits.maxPendingBytes : limits.maxPendingBytes / 2;
    if (this.sink.pendingBytes > bound) return this.stall(limits, now);
    this.stalledSince = undefined;
    if (frame.kind === 'audio') return this.audioEnabled;
    if (!this.videoEnabled) return false;
    if (this.waitingForKeyframe) {
      if (!frame.keyframe) return false;
      this.waitingForKeyframe = false;
    }
    return true;
  }

  /** The sink is backed up: skip to the next keyframe, and give up on a reader that stays stuck. */
  private stall(limits: ReaderLimits, now: number): false {
    this.waitingForKeyframe = true;
    this.stalledSince ??= now;
    if (now - this.stalledSince > limits.maxStallMs) this.stats.tooSlow = true;
    return false;
  }
}
