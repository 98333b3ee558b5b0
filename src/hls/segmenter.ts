import type { HlsConfig } from '../config/schema.js';
import { TsFrameWriter } from '../formats/mpegts/frame-writer.js';
import type { ClientSession } from '../gate/types.js';
import type { ReaderLimits, StreamReader } from '../hub/reader.js';
import type { EncodedFrame, MediaFrame } from '../media/frame.js';
import { ProtocolError } from '../util/errors.js';
import { randomId } from '../util/ids.js';
import type { Logger } from '../util/logger.js';
import type { ClosedSegment } from './hls-output.js';

/** Where finished segments go (an HlsOutput). */
export interface SegmentSink {
  add(segment: ClosedSegment): void;
}

interface OpenSegment {
  data: Buffer[];
  startDts: number;
  lastDts: number;
  startedAt: Date;
}

/**
 * Cuts one publish of a stream into MPEG-TS segments: at a keyframe once hls_fragment seconds
 * have passed (at any audio frame without video), or at any frame after hls_fragment ×
 * hls_td_ratio without a keyframe. Muxing happens in `enqueue`; files are written elsewhere.
 */
export class HlsSegmenter implements StreamReader {
  readonly id = `hls-${randomId()}`;
  private readonly writer = new TsFrameWriter();
  private current: OpenSegment | undefined;
  /** The first segment of a publish starts a discontinuity (as SRS marks it). */
  private discontinuity = true;
  private badFrames = 0;

  constructor(
    private readonly config: HlsConfig,
    private readonly publisher: ClientSession,
    private readonly sink: SegmentSink,
    private readonly logger: Logger,
  ) {}

  enqueue(frame: EncodedFrame, _limits: ReaderLimits, _now: number): boolean {
    try {
      this.take(frame);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      // A malformed frame is skipped; say so once, not for every frame of a broken publisher.
      if (this.badFrames++ === 0) this.logger.warn({ err: error, stream: this.publisher.stream }, 'hls skipped a malformed frame');
    }
    return false;
  }

  flush(): void {}

  /** A new publisher gets a new segmenter, so there is nothing to start again here. */
  resync(): void {}

  /** Ends the publish: the open segment is closed and handed over. */
  close(): void {
    if (this.current) this.finish(this.current.lastDts);
  }

  private take(frame: MediaFrame): void {
    if (frame.kind === 'data') return;
    if (frame.sequenceHeader) {
      this.writer.configure(frame);
      return;
    }
    if (this.current && this.shouldCut(frame)) {
      this.finish(frame.timestamp);
      this.open(frame);
    } else if (!this.current) {
      if (!this.startsSegment(frame)) return;
      this.open(frame);
    }
    const bytes = this.writer.encode(frame);
    if (bytes && this.current) {
      this.current.data.push(bytes);
      this.current.lastDts = frame.timestamp;
    }
  }

  /** With video, a segment starts at a keyframe; audio-only streams start at any frame. */
  private startsSegment(frame: MediaFrame): boolean {
    return this.writer.tracks.video ? frame.kind === 'video' && frame.keyframe : frame.kind === 'audio';
  }

  private shouldCut(frame: MediaFrame): boolean {
    const elapsed = frame.timestamp - this.current!.startDts;
    const fragment = this.config.hls_fragment * 1000;
    if (elapsed >= fragment * this.config.hls_td_ratio) return true;
    return this.startsSegment(frame) && (elapsed >= fragment || this.writer.tracksChanged);
  }

  private open(frame: MediaFrame): void {
    this.current = { data: this.writer.start(), startDts: frame.timestamp, lastDts: frame.timestamp, startedAt: new Date() };
  }

  private finish(endDts: number): void {
    const segment = this.current!;
    this.current = undefined;
    const duration = (endDts - segment.startDts) / 1000;
    if (duration <= 0) return; // nothing playable: a lone frame at the very end
    this.sink.add({
      data: segment.data,
      duration,
      discontinuity: this.discontinuity,
      startedAt: segment.startedAt,
      session: this.publisher,
    });
    this.discontinuity = false;
  }
}
