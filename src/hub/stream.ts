import { EncodedFrame, type AudioTrackInfo, type MediaFrame, type VideoTrackInfo } from '../media/frame.js';
import { Audience } from './audience.js';
import { Feed } from './feed.js';
import { FlushScheduler } from './flush-scheduler.js';
import type { ClientSession } from '../gate/types.js';
import { Reader, type ReaderLimits, type ReaderStats, type StreamReader } from './reader.js';

export interface StreamOptions {
  gopCache: boolean;
  gopCacheMaxFrames: number;
  /** Upper bound on the bytes of media in the GOP cache (none when absent). */
  gopCacheMaxBytes?: number;
  /** Seconds of media a reader may have queued before it skips to the next keyframe. */
  queueLengthSeconds: number;
  /** Merged-write window in ms (0: write as soon as the publisher's data is processed). */
  mergedWriteMs: number;
  /**
   * Whether a publish reaches the readers of an audience (hub/audience.ts), asked once per
   * publish and audience. Readers it does not reach see the stream as unpublished, and without
   * the usual audience nobody is told the stream is published (no HLS, recording, forward).
   * Absent: every publish reaches every reader.
   */
  reaches?(publisher: Publisher, audience: string | undefined): boolean;
}

/** The one side of a stream that produces frames (an RTMP publisher, later RTSP/SRT/...). */
export interface Publisher {
  readonly id: string;
  readonly protocol: string;
  /** The publishing client as the gate saw it (for recorders' and HLS callbacks). */
  readonly session: ClientSession;
  /**
   * A copy of a stream published on another worker: it was gated there, and HLS, recorders and
   * forwards run there, so the hub tells no listeners of it.
   */
  readonly mirror?: boolean;
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
  readerRemoved?(stats: ReaderStats | undefined): void;
  /** Asked before a publisher that is no mirror takes the stream; false refuses it as a busy stream. */
  mayPublish?(stream: Stream, publisher: Publisher): boolean;
  /** The stream's first viewer (a reader that is not internal) arrived, or its last one left. */
  watched?(stream: Stream, watched: boolean): void;
  /** A publisher that is no mirror took the stream (true) or left it, whatever its publish reaches. */
  publisherChanged?(stream: Stream, publishing: boolean): void;
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
  /** Video frames received, sequence headers aside (SRS's `frames`). */
  videoFramesIn = 0;

  private metadata: EncodedFrame | undefined;
  private videoHeader: EncodedFrame | undefined;
  private audioHeader: EncodedFrame | undefined;
  private gop: EncodedFrame[] = [];
  private gopBytes = 0;
  private readonly readerSet = new Set<StreamReader | Reader>();
  /** Readers that take frames one by one, and those of them with something to flush. */
  private readonly frameReaders = new Set<StreamReader>();
  private readonly dirty = new Set<StreamReader>();
  /** Players, by output format: one shared feed each. */
  private readonly feeds = new Map<string, Feed>();
  private readonly flusher: FlushScheduler;
  /** Whether the current publish reaches each audience, as `options.reaches` answered. */
  private readonly reach = new Map<string | undefined, boolean>();
  /** Whether `published` was told of the current publisher (so `unpublished` is too). */
  private announced = false;
  /** Readers that are not internal (players), and players holding the stream before they read. */
  private viewers = 0;
  /** Players holding the stream before they read (`hold`). */
  private held = 0;

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
    this.flusher = new FlushScheduler(options.mergedWriteMs, () => this.flushAll());
  }

  get readers(): ReadonlySet<StreamReader | Reader> {
    return this.readerSet;
  }

  /** Bytes per second of media, averaged over the last seconds. */
  get bitrate(): number {
    return this.byteRate * 8;
  }

  /** The codec configuration in force (what a player's session description is made from). */
  get sequenceHeaders(): { video?: MediaFrame; audio?: MediaFrame } {
    return { video: this.videoHeader, audio: this.audioHeader };
  }

  /** Claims the stream for a publisher; false when another one already holds it. */
  attachPublisher(publisher: Publisher): boolean {
    if (this.publisher) return false;
    if (!publisher.mirror && this.events.mayPublish?.(this, publisher) === false) return false;
    this.publisher = publisher;
    this.publishedAt = Date.now();
    this.rebaseOnNextFrame = this.lastTimestamp >= 0;
    this.reach.clear();
    // A mirror of another worker's publish was announced there.
    this.announced = !publisher.mirror && this.reaches(undefined);
    if (this.announced) this.events.published(this);
    if (!publisher.mirror) this.events.publisherChanged?.(this, true);
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
    this.flush();
    for (const feed of this.feeds.values()) feed.forgetConfig();
    for (const reader of this.readerSet) reader.resync();
    this.reach.clear();
    if (this.announced) this.events.unpublished(this);
    this.announced = false;
    if (!publisher.mirror) this.events.publisherChanged?.(this, false);
    this.releaseIfIdle();
  }

  /**
   * A timestamp of the current publisher's clock on the stream's, as its frames are pushed: for
   * media that reaches readers beside the hub (a WebRTC publisher's Opus, Opus relayed from
   * another worker). Undefined until the publisher's first frame has set the clock.
   */
  streamTime(timestamp: number): number | undefined {
    if (!this.publisher || this.rebaseOnNextFrame) return undefined;
    return Math.max(0, timestamp + this.timestampOffset);
  }

  push(input: MediaFrame): void {
    const frame = new EncodedFrame(input, this.monotonic(input.timestamp));
    this.bytesIn += frame.body.length;
    // Frames relayed from another worker were counted there.
    if (!this.publisher?.mirror) this.framesIn++;
    if (frame.kind === 'video' && !frame.sequenceHeader) this.videoFramesIn++;
    this.measureRate(frame.body.length);
    this.remember(frame);
    // Players: one append per format, whatever their number; they are written at the flush.
    for (const feed of this.feeds.values()) if (this.reaches(feed.format.audience)) feed.append(frame);
    if (this.feeds.size > 0) this.flusher.mark();
    if (this.frameReaders.size === 0) return;
    const limits = this.readerLimits();
    const now = Date.now();
    for (const reader of this.frameReaders) {
      if (this.reaches(reader.audience) && reader.enqueue(frame, limits, now)) this.markDirty(reader);
    }
  }

  /**
   * Adds a reader, with what it needs to start decoding at once: metadata, codec headers and,
   * unless `start` is 'live', the cached GOP. A 'live' reader gets the headers and waits at the
   * live edge for the next keyframe: RTP receivers derive their clocks from arrival times, and
   * a second of past media arriving in a few milliseconds throws their jitter buffers off.
   */
  addReader(reader: StreamReader | Reader, start: 'gop' | 'live' = 'gop'): void {
    this.readerSet.add(reader);
    if (!reader.internal) this.viewerCame();
    const audience = reader instanceof Reader ? reader.format.audience : reader.audience;
    const startup = this.reaches(audience) ? this.startupFrames(start === 'gop') : [];
    if (reader instanceof Reader) {
      const feed = this.feedFor(reader);
      feed.readers.add(reader);
      reader.join(feed.end, startup);
      this.flusher.mark();
      return;
    }
    this.frameReaders.add(reader);
    const limits = this.readerLimits();
    const now = Date.now();
    for (const frame of startup) reader.enqueue(frame, limits, now);
    this.markDirty(reader);
  }

  /**
   * Counts a player as a viewer before it reads, until the returned function is called: one that
   * must know the tracks first (RTSP's DESCRIBE) makes another worker's publish relayed here.
   */
  hold(): () => void {
    this.held++;
    this.viewerCame();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held--;
      this.viewerLeft();
      this.releaseIfIdle();
    };
  }

  /** The stream is watched from its first viewer to its last. */
  private viewerCame(): void {
    if (++this.viewers === 1) this.events.watched?.(this, true);
  }

  private viewerLeft(): void {
    if (--this.viewers === 0) this.events.watched?.(this, false);
  }

  removeReader(reader: StreamReader | Reader): void {
    if (!this.readerSet.delete(reader)) return;
    if (!reader.internal) this.viewerLeft();
    if (reader instanceof Reader) {
      const feed = this.feeds.get(reader.format.key);
      feed?.readers.delete(reader);
      if (feed?.readers.size === 0) this.feeds.delete(feed.format.key);
    } else {
      this.frameReaders.delete(reader);
      this.dirty.delete(reader);
    }
    this.events.readerRemoved?.(reader.stats);
    this.releaseIfIdle();
  }

  /** Writes everything queued now (at shutdown, when the publisher leaves, or a reader may start). */
  flush(): void {
    this.flusher.cancel();
    this.flushAll();
  }

  private flushAll(): void {
    for (const reader of this.dirty) reader.flush();
    this.dirty.clear();
    if (this.feeds.size === 0) return;
    const limits = this.readerLimits();
    const now = Date.now();
    for (const feed of this.feeds.values()) feed.flush(limits, now);
  }

  private markDirty(reader: StreamReader): void {
    this.dirty.add(reader);
    this.flusher.mark();
  }

  private feedFor(reader: Reader): Feed {
    let feed = this.feeds.get(reader.format.key);
    if (!feed) {
      feed = new Feed(reader.format);
      this.feeds.set(reader.format.key, feed);
    }
    return feed;
  }

  /** Whether the current publish reaches readers of `audience` (every reader while unpublished). */
  private reaches(audience: string | undefined): boolean {
    const { publisher } = this;
    if (!publisher || !this.options.reaches || audience === Audience.relay) return true;
    let reached = this.reach.get(audience);
    if (reached === undefined) {
      reached = this.options.reaches(publisher, audience);
      this.reach.set(audience, reached);
    }
    return reached;
  }

  private startupFrames(withGop: boolean): EncodedFrame[] {
    const frames: EncodedFrame[] = [];
    if (this.metadata) frames.push(this.metadata);
    if (this.videoHeader) frames.push(this.videoHeader);
    if (this.audioHeader) frames.push(this.audioHeader);
    return withGop ? frames.concat(this.gop) : frames;
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
      // Audio that came before the keyframe but is not older than it (an MPEG-TS publisher's video
      // is whole only when its next frame starts) belongs to the new GOP.
      const ahead = this.gop.filter((cached) => cached.kind === 'audio' && cached.timestamp >= frame.timestamp);
      this.gop = [frame, ...ahead];
      this.gopBytes = ahead.reduce((sum, cached) => sum + cached.body.length, bytes);
      return;
    }
    if (this.gop.length === 0) return;
    // Audio a publisher sends late (RTP and MPEG-TS pack several frames together) may be older
    // than the keyframe: it belongs before it, and a player starting there would hear it first.
    if (frame.kind === 'audio' && frame.timestamp < this.gop[0]!.timestamp) return;
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
    if (!this.publisher && this.readerSet.size === 0 && this.held === 0) {
      this.flusher.cancel();
      this.events.idle(this);
    }
  }
}

export function streamKey(vhost: string, app: string, name: string): string {
  return `${vhost}/${app}/${name}`;
}
