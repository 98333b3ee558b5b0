import { EncodedFrame, type AudioTrackInfo, type MediaFrame, type VideoTrackInfo } from '../media/frame.js';
import { FlushScheduler } from './flush-scheduler.js';
import type { ClientSession } from '../gate/types.js';
import type { ReaderLimits, StreamReader } from './reader.js';

export interface StreamOptions {
  gopCache: boolean;
  gopCacheMaxFrames: number;
  /** Upper bound on the bytes of media in the GOP cache (none when absent). */
  gopCacheMaxBytes?: number;
  /** Seconds of media a reader may have queued before it skips to the next keyframe. */
  queueLengthSeconds: number;
  /** Merged-write window in ms (0: write as soon as the publisher's data is processed). */
  mergedWriteMs: number;
}

/** The one side of a stream that produces frames (an RTMP publisher, later RTSP/SRT/...). */
export interface Publisher {
  readonly id: string;
  readonly protocol: string;
  /** The publishing client as the gate saw it (for recorders' and HLS callbacks). */
  readonly session: ClientSession;
  close(reason: string): void;
}

/** What a stream tells the hub about itself. */
export interface StreamEvents {
  published(stream: Stream): void;
  unpublished(stream: Stream): void;
  idle(stream: Stream): void;
  /** The GOP cache outgrew a bound and was dropped (`cached`: what it held). */
  gopDropped(stream: Stream, cached: { frames: number; bytes: number }): void;
  /** A reader left (its counters are added to the hub's totals). */
  readerRemoved?(reader: StreamReader): void;
}

export interface StreamKey {
  readonly vhost: string;
  readonly app: string;
  readonly name: string;
}

const MIN_QUEUE_BYTES = 256 * 1024;
const MAX_QUEUE_BYTES = 64 * 1024 * 1024;
// Gap inserted between the last frame of one publish and the first of the next, in ms.
const REPUBLISH_GAP_MS = 40;

/**
 * One live stream: at most one publisher, any number of readers. Keeps what a new reader needs
 * to start at once (metadata, sequence headers, the current GOP) and makes timestamps monotonic
 * across republish. Never branches on protocol.
 */
export class Stream implements StreamKey {
  readonly key: string;
  publisher: Publisher | undefined;
  videoTrack: VideoTrackInfo | undefined;
  audioTrack: AudioTrackInfo | undefined;
  publishedAt: number | undefined;
  bytesIn = 0;
  framesIn = 0;

  private metadata: EncodedFrame | undefined;
  private videoHeader: EncodedFrame | undefined;
  private audioHeader: EncodedFrame | undefined;
  private gop: EncodedFrame[] = [];
  private gopBytes = 0;
  private readonly readerSet = new Set<StreamReader>();
  private readonly flusher: FlushScheduler;

  private timestampOffset = 0;
  private lastTimestamp = -1;
  private rebaseOnNextFrame = false;

  private byteRate = 0;
  private rateWindowStart = Date.now();
  private rateWindowBytes = 0;

  constructor(
    readonly vhost: string,
    readonly app: string,
    readonly name: string,
    private readonly options: StreamOptions,
    private readonly events: StreamEvents,
  ) {
    this.key = streamKey(vhost, app, name);
    this.flusher = new FlushScheduler(options.mergedWriteMs);
  }

  get readers(): ReadonlySet<StreamReader> {
    return this.readerSet;
  }

  /** Bytes per second of media, averaged over the last seconds. */
  get bitrate(): number {
    return this.byteRate * 8;
  }

  /** Claims the stream for a publisher; false when another one already holds it. */
  attachPublisher(publisher: Publisher): boolean {
    if (this.publisher) return false;
    this.publisher = publisher;
    this.publishedAt = Date.now();
    this.rebaseOnNextFrame = this.lastTimestamp >= 0;
    this.events.published(this);
    return true;
  }

  detachPublisher(publisher: Publisher): void {
    if (this.publisher !== publisher) return;
    this.publisher = undefined;
    this.publishedAt = undefined;
    this.metadata = this.videoHeader = this.audioHeader = undefined;
    this.videoTrack = this.audioTrack = undefined;
    this.gop = [];
    this.gopBytes = 0;
    this.flusher.flushNow();
    for (const reader of this.readerSet) reader.resync();
    this.events.unpublished(this);
    this.releaseIfIdle();
  }

  push(input: MediaFrame): void {
    const frame = new EncodedFrame({ ...input, timestamp: this.monotonic(input.timestamp) });
    this.bytesIn += frame.body.length;
    this.framesIn++;
    this.measureRate(frame.body.length);
    this.remember(frame);
    const limits = this.readerLimits();
    const now = Date.now();
    for (const reader of this.readerSet) {
      if (reader.enqueue(frame, limits, now)) this.flusher.mark(reader);
    }
  }

  /** Adds a reader and queues what it needs to start decoding at once. */
  addReader(reader: StreamReader): void {
    this.readerSet.add(reader);
    const limits = this.readerLimits();
    const now = Date.now();
    for (const frame of this.startupFrames()) reader.enqueue(frame, limits, now);
    this.flusher.mark(reader);
  }

  removeReader(reader: StreamReader): void {
    if (!this.readerSet.delete(reader)) return;
    this.flusher.forget(reader);
    this.events.readerRemoved?.(reader);
    this.releaseIfIdle();
  }

  /** Writes everything queued now (at shutdown or when the publisher leaves). */
  flush(): void {
    this.flusher.flushNow();
  }

  private *startupFrames(): Iterable<EncodedFrame> {
    if (this.metadata) yield this.metadata;
    if (this.videoHeader) yield this.videoHeader;
    if (this.audioHeader) yield this.audioHeader;
    yield* this.gop;
  }

  private remember(frame: EncodedFrame): void {
    if (frame.kind === 'data') {
      this.metadata = frame;
    } else if (frame.sequenceHeader) {
      if (frame.kind === 'video') this.videoHeader = frame;
      else this.audioHeader = frame;
    } else if (this.options.gopCache) {
      this.cacheInGop(frame);
    }
  }

  private cacheInGop(frame: EncodedFrame): void {
    const bytes = frame.body.length;
    if (frame.kind === 'video' && frame.keyframe) {
      this.gop = [frame];
      this.gopBytes = bytes;
      return;
    }
    if (this.gop.length === 0) return;
    const { gopCacheMaxFrames, gopCacheMaxBytes = Infinity } = this.options;
    if (this.gop.length < gopCacheMaxFrames && this.gopBytes + bytes <= gopCacheMaxBytes) {
      this.gop.push(frame);
      this.gopBytes += bytes;
      return;
    }
    // A GOP too large to hold is dropped whole (as SRS does); caching resumes at the next keyframe.
    this.events.gopDropped(this, { frames: this.gop.length + 1, bytes: this.gopBytes + bytes });
    this.gop = [];
    this.gopBytes = 0;
  }

  /** Shifts a new publisher's timestamps so readers never see time go backwards. */
  private monotonic(timestamp: number): number {
    if (this.rebaseOnNextFrame) {
      this.timestampOffset = this.lastTimestamp + REPUBLISH_GAP_MS - timestamp;
      this.rebaseOnNextFrame = false;
    }
    const out = Math.max(0, timestamp + this.timestampOffset);
    if (out > this.lastTimestamp) this.lastTimestamp = out;
    return out;
  }

  private measureRate(bytes: number): void {
    this.rateWindowBytes += bytes;
    const now = Date.now();
    const elapsed = now - this.rateWindowStart;
    if (elapsed < 1000) return;
    const rate = (this.rateWindowBytes * 1000) / elapsed;
    this.byteRate = this.byteRate === 0 ? rate : (this.byteRate + rate) / 2;
    this.rateWindowStart = now;
    this.rateWindowBytes = 0;
  }

  private readerLimits(): ReaderLimits {
    const queueSeconds = this.options.queueLengthSeconds;
    const bytes = this.byteRate * queueSeconds;
    return {
      maxPendingBytes: Math.min(MAX_QUEUE_BYTES, Math.max(MIN_QUEUE_BYTES, bytes)),
      maxStallMs: queueSeconds * 2000,
    };
  }

  private releaseIfIdle(): void {
    if (!this.publisher && this.readerSet.size === 0) {
      this.flusher.stop();
      this.events.idle(this);
    }
  }
}

export function streamKey(vhost: string, app: string, name: string): string {
  return `${vhost}/${app}/${name}`;
}
