import type { EncodedFrame, MediaFrame } from '../media/frame.js';
import type { Feed } from './feed.js';

/** Where a reader's bytes go: a socket, an HTTP response, a WebSocket. */
export interface FrameSink {
  /** Bytes handed over but not yet taken by the kernel (socket.writableLength and the like). */
  readonly pendingBytes: number;
  /** Writes one batch of bytes. */
  write(bytes: Buffer): void;
  /**
   * Writes several buffers as one batch, in order, without joining them (a new player's start:
   * its headers and GOP); a sink without it is given them joined.
   */
  writeAll?(parts: readonly Buffer[]): void;
  /** Ends the connection; `reason` is logged by the owner. */
  close(reason: string): void;
}

/** How one output format turns a frame into bytes; `key` names the encoding shared by readers. */
export interface OutputFormat {
  readonly key: string;
  /** The audience of its readers (hub/audience.ts); absent: the usual one. */
  readonly audience?: string;
  encode(frame: MediaFrame): Buffer;
  /** Brackets each flush of its readers, so that their sinks can send together; absent: each writes at once. */
  readonly flushWrites?: FlushWrites;
}

/**
 * Between `begin` and `end` sinks may hold their writes, and `end` sends what they held
 * (servers/direct-write.ts): players given the same bytes then cost one call into native code
 * per flush, not one each. Brackets may nest; the outermost `end` sends.
 */
export interface FlushWrites {
  begin(): void;
  end(): void;
}

export interface ReaderLimits {
  /** Bytes queued in the sink above which the reader drops frames until the next keyframe. */
  maxPendingBytes: number;
  /** How long a reader may stay above that bound before it is disconnected, in ms. */
  maxStallMs: number;
}

/** What a player was not given, for metrics. */
export interface ReaderStats {
  /** Frames skipped: behind on its sink, waiting for a keyframe, or a track switched off. */
  framesDropped: number;
  /** Disconnected because it stopped reading. */
  tooSlow: boolean;
}

/**
 * A reader that takes the stream's frames one by one: an HLS segmenter, a recorder, anything
 * that transforms frames or encodes them per viewer. `enqueue` must return at once; writing
 * happens in `flush`. Players of a shared output format are `Reader`s instead (below): they
 * cost nothing per frame. A stream takes both kinds through `addReader`.
 */
export interface StreamReader {
  readonly id: string;
  /** Set by readers that are not viewers (HLS segmenter, recorder): they are no stream's clients. */
  readonly internal?: boolean;
  /** Its audience (hub/audience.ts): a publish may be kept from it; absent: the usual one. */
  readonly audience?: string;
  /** Frames skipped for a slow reader (players; absent for internal readers). */
  readonly stats?: ReaderStats;
  /** Takes a frame; returns true when the reader has something to flush. */
  enqueue(frame: EncodedFrame, limits: ReaderLimits, now: number): boolean;
  /** Writes what was queued. */
  flush(): void;
  /** The publisher changed (or playback resumed): start again from the next keyframe. */
  resync(): void;
}

/**
 * Holds a reader's first write back until it returns true for one of the frames the reader is
 * about to get (an FLV player waits until the stream's tracks are known). Until then the reader
 * keeps its place; `ready` may see the same frames again at the next flush.
 */
export interface StartGate {
  ready(frame: EncodedFrame): boolean;
}

const NO_FRAMES: readonly EncodedFrame[] = [];
// How far past its first keyframe a reader waits for audio to catch up before it stops looking.
const LATE_AUDIO_MS = 1000;
// How much audio a reader of a stream with video holds back waiting for a keyframe before it
// plays the audio alone (the video has stopped coming).
const MAX_KEYFRAME_WAIT_MS = 10_000;

/**
 * One player connection of a shared output format. It holds only a position in its format's
 * feed: when it is in step (playing both tracks, past its start-up frames) a flush hands it the
 * bytes from its position to the end, joined once for every player there. Otherwise (start-up
 * frames, waiting for a keyframe, a track switched off, behind on its sink) it picks its frames
 * one by one at flush. A slow reader drops frames until the next keyframe and is disconnected
 * when it stops reading, so it never slows the publisher or the other readers.
 */
export class Reader {
  readonly internal = false;
  audioEnabled = true;
  videoEnabled = true;
  readonly stats: ReaderStats = { framesDropped: 0, tooSlow: false };
  private cursor = 0;
  private startup: readonly EncodedFrame[] = NO_FRAMES;
  private waitingForKeyframe = true;
  /**
   * The keyframe it started at, until audio reaches it: publishers that pack audio frames
   * together (RTP, MPEG-TS) send audio late, and audio older than the first picture is left out.
   */
  private audioFrom: number | undefined;
  /**
   * The stream has video (its header came with the start-up frames): audio waits for the first
   * keyframe, so both tracks start together. Holds the first audio timestamp held back.
   */
  private videoExpected = false;
  private audioHeldSince: number | undefined;
  private stalledSince: number | undefined;
  private closed = false;

  constructor(
    readonly id: string,
    private readonly sink: FrameSink,
    readonly format: OutputFormat,
    private gate?: StartGate,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  /** Its position in the feed: the first frame it has not been given. */
  get position(): number {
    return this.cursor;
  }

  /** Joins a feed at `position`, with what it needs to start decoding (metadata, headers, GOP). */
  join(position: number, startup: readonly EncodedFrame[]): void {
    // Encoded now, before any later frame is appended: formats that number what they write (RTP
    // sequence numbers, TS continuity counters) must see the stream's frames in order.
    for (const frame of startup) frame.encoded(this.format.key, this.format.encode);
    this.cursor = position;
    this.startup = startup;
    this.videoExpected = startup.some((frame) => frame.kind === 'video' && frame.sequenceHeader);
  }

  /** Starts the next frames from a keyframe again (after a pause or a new publisher). */
  resync(): void {
    this.waitingForKeyframe = true;
    this.audioHeldSince = undefined;
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.startup = NO_FRAMES;
    this.sink.close(reason);
  }

  /** Writes what the reader is owed from its position to the end of the feed. */
  flushFrom(feed: Feed, limits: ReaderLimits, now: number): void {
    if (this.closed) return;
    if (this.cursor < feed.start) this.fellBehind(feed);
    if (this.cursor === feed.end && this.startup.length === 0) return;
    if (this.gate && !this.gateOpens(feed)) return;
    const stalled = this.stalled(limits, now);
    if (this.stats.tooSlow) {
      // What it was owed counts as dropped before it goes, so the hub's totals include it.
      this.stats.framesDropped += feed.end - this.cursor;
      this.close(`too slow: ${this.sink.pendingBytes} bytes unread for ${now - (this.stalledSince ?? now)} ms`);
      return;
    }
    if (!stalled && this.inStep()) {
      this.sink.write(feed.bytesFrom(this.cursor));
      this.cursor = feed.end;
    } else {
      this.pick(feed, stalled);
    }
  }

  /** Playing both tracks from where the stream is: it takes the shared bytes as they are. */
  private inStep(): boolean {
    return !this.waitingForKeyframe && this.audioFrom === undefined && this.audioEnabled && this.videoEnabled && this.startup.length === 0;
  }

  /** Takes the frames it accepts one by one, until it is in step and can take the rest shared. */
  private pick(feed: Feed, stalled: boolean): void {
    const out = feed.scratch;
    for (const frame of this.startup) {
      if (this.accepts(frame, stalled)) out.push(frame.encoded(this.format.key, this.format.encode));
      else this.stats.framesDropped++;
    }
    this.startup = NO_FRAMES;
    const end = feed.end;
    for (let at = this.cursor; at < end; at++) {
      if (!stalled && this.inStep()) {
        out.push(feed.bytesFrom(at));
        break;
      }
      if (this.accepts(feed.frameAt(at), stalled)) out.push(feed.chunkAt(at));
      else this.stats.framesDropped++;
    }
    this.cursor = end;
    if (out.length === 1) this.sink.write(out[0]!);
    else if (out.length > 1 && this.sink.writeAll) this.sink.writeAll(out);
    else if (out.length > 1) this.sink.write(Buffer.concat(out));
    out.length = 0;
  }

  private accepts(frame: EncodedFrame, stalled: boolean): boolean {
    // Codec configuration and metadata always pass: without them nothing after decodes.
    if (frame.sequenceHeader || frame.kind === 'data') return true;
    if (stalled) return false;
    if (frame.kind === 'audio') return this.audioEnabled && this.audioInTime(frame);
    if (!this.videoEnabled) return false;
    if (this.waitingForKeyframe) {
      if (!frame.keyframe) return false;
      this.waitingForKeyframe = false;
      this.audioHeldSince = undefined;
      this.audioFrom = frame.timestamp;
    } else if (this.audioFrom !== undefined && frame.timestamp >= this.audioFrom + LATE_AUDIO_MS) {
      this.audioFrom = undefined; // no audio is coming (an audio-less stream)
    }
    return true;
  }

  private audioInTime(frame: EncodedFrame): boolean {
    if (this.waitingForKeyframe && this.videoExpected && this.videoEnabled) {
      this.audioHeldSince ??= frame.timestamp;
      if (frame.timestamp - this.audioHeldSince < MAX_KEYFRAME_WAIT_MS) return false;
      this.videoExpected = false;
    }
    if (this.audioFrom === undefined) return true;
    if (frame.timestamp < this.audioFrom) return false;
    this.audioFrom = undefined;
    return true;
  }

  /**
   * Behind on its sink: skip to the next keyframe, and give up on a reader that stays stuck.
   * Once stalled, a reader must drain to half the bound to count as caught up: a bound that
   * moves with the stream's bitrate must not keep resetting the clock of a reader that is stuck.
   */
  private stalled(limits: ReaderLimits, now: number): boolean {
    const pending = this.sink.pendingBytes;
    const bound = this.stalledSince === undefined ? limits.maxPendingBytes : limits.maxPendingBytes / 2;
    if (pending <= bound) {
      this.stalledSince = undefined;
      return false;
    }
    this.waitingForKeyframe = true;
    this.stalledSince ??= now;
    if (now - this.stalledSince > limits.maxStallMs) this.stats.tooSlow = true;
    return true;
  }

  private gateOpens(feed: Feed): boolean {
    const gate = this.gate!;
    let open = this.startup.some((frame) => gate.ready(frame));
    for (let at = this.cursor; !open && at < feed.end; at++) open = gate.ready(feed.frameAt(at));
    if (open) this.gate = undefined;
    return open;
  }

  /** The feed's front moved past this reader (its start was held back): resume at a keyframe. */
  private fellBehind(feed: Feed): void {
    const config = this.startup.filter((frame) => frame.sequenceHeader || frame.kind === 'data');
    this.stats.framesDropped += feed.start - this.cursor;
    this.startup = [...config, ...feed.configAtFront()];
    this.cursor = feed.start;
    this.waitingForKeyframe = true;
  }
}
