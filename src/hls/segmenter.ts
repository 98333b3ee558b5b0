import type { HlsConfig } from '../config/schema.js';
import { TsFrameWriter } from '../formats/mpegts/frame-writer.js';
import { TsBuffer } from '../formats/mpegts/ts-buffer.js';
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
  /** The segment's packets, written in place as frames come. */
  data: TsBuffer;
  startDts: number;
  /** Timestamp of the latest frame written, for the duration and to notice jumps. */
  lastDts: number;
  startedAt: Date;
}

// Timestamps that move back more than this, or forward more than the other, break the timeline:
// the segment ends there and the next one starts a discontinuity. (Audio and video interleave a
// little out of order, and a stream may pause briefly.)
const BACKWARD_JUMP_MS = 1000;
const FORWARD_JUMP_MS = 10_000;
// How long past a cut a segment waits for audio older than the cut before it is handed over anyway.
const LATE_AUDIO_MS = 1000;
// Room for the first segment; later ones start with room for the last one and a quarter more.
const FIRST_SEGMENT_BYTES = 64 * 1024;
// Segment buffers kept for reuse once written: a new one each time would mean a large
// allocation per segment, which makes V8 run full collections for the external memory.
const SPARE_BUFFERS = 2;

/**
 * Cuts one publish of a stream into MPEG-TS segments once hls_fragment seconds have passed: at a
 * video keyframe (at any video frame with hls_wait_keyframe off), or at any audio frame when no
 * video is carried. Muxing happens in `enqueue`; files are written elsewhere.
 */
export class HlsSegmenter implements StreamReader {
  readonly id = `hls-${randomId()}`;
  /** Not a viewer: the API leaves it out of a stream's clients. */
  readonly internal = true;
  private readonly writer = new TsFrameWriter();
  private current: OpenSegment | undefined;
  /**
   * The segment just cut, held for audio that arrives after the cut but is older than it:
   * publishers pack several audio frames together (RTP, MPEG-TS PES), so audio lags video
   * on the wire. It belongs before the keyframe, where a player starting there would not hear it.
   */
  private closing: { segment: OpenSegment; endDts: number } | undefined;
  /** The next segment does not continue the one before: a new publish, or a timestamp jump. */
  private discontinuity = true;
  private badFrames = 0;
  private segmentBytes = FIRST_SEGMENT_BYTES;
  private readonly spare: TsBuffer[] = [];
  /** Tracks already reported as left out, so each is logged once per publish. */
  private readonly leftOut = new Set<string>();

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
    this.release();
    if (this.current) this.finish(this.current, this.current.lastDts);
    this.current = undefined;
  }

  private take(frame: MediaFrame): void {
    if (frame.kind === 'data' || !this.wanted(frame.kind)) return;
    // MP3 has no sequence header: its frames tell the writer what it is.
    if (frame.sequenceHeader || (frame.kind === 'audio' && !this.writer.tracks.audio)) {
      const { codec, carried } = this.writer.configure(frame);
      if (!carried) this.leaveOut(frame.kind, `${codec} cannot be carried in MPEG-TS`);
      if (frame.sequenceHeader) return;
    }
    if (this.closing && frame.timestamp >= this.closing.endDts + (frame.kind === 'audio' ? 0 : LATE_AUDIO_MS)) this.release();
    if (this.current && this.jumped(frame)) {
      this.close();
      this.discontinuity = true;
    }
    if (this.current && this.shouldCut(frame)) {
      this.cut(frame.timestamp);
      this.open(frame);
    } else if (!this.current) {
      if (!this.startsSegment(frame, true)) return;
      this.open(frame);
    }
    const late = this.closing !== undefined && frame.kind === 'audio' && frame.timestamp < this.closing.endDts;
    const segment = late ? this.closing!.segment : this.current!;
    if (this.writer.encode(frame, segment.data) && !late) segment.lastDts = frame.timestamp;
  }

  /** hls_acodec an / hls_vcodec vn leave a whole track out. */
  private wanted(kind: 'audio' | 'video'): boolean {
    const off = kind === 'audio' ? this.config.hls_acodec === 'an' : this.config.hls_vcodec === 'vn';
    if (off) this.leaveOut(kind, kind === 'audio' ? 'hls_acodec an' : 'hls_vcodec vn');
    return !off;
  }

  private leaveOut(track: 'audio' | 'video', reason: string): void {
    if (this.leftOut.has(track)) return;
    this.leftOut.add(track);
    this.logger.info({ stream: `${this.publisher.app}/${this.publisher.stream}`, track, reason }, 'hls leaves a track out');
  }

  /**
   * With video, a segment starts at a video frame: a keyframe when `keyframeOnly`; audio-only
   * streams start at any audio frame.
   */
  private startsSegment(frame: MediaFrame, keyframeOnly: boolean): boolean {
    if (!this.writer.tracks.video) return frame.kind === 'audio';
    return frame.kind === 'video' && (frame.keyframe || !keyframeOnly);
  }

  private shouldCut(frame: MediaFrame): boolean {
    const elapsed = frame.timestamp - this.current!.startDts;
    if (elapsed >= this.config.hls_fragment * 1000 && this.startsSegment(frame, this.config.hls_wait_keyframe)) return true;
    // New tracks need a new PMT, which only a segment that decodes on its own may start.
    return this.writer.tracksChanged && this.startsSegment(frame, true);
  }

  private jumped(frame: MediaFrame): boolean {
    const delta = frame.timestamp - this.current!.lastDts;
    return delta < -BACKWARD_JUMP_MS || delta > FORWARD_JUMP_MS;
  }

  private open(frame: MediaFrame): void {
    const data = this.spare.pop() ?? new TsBuffer(this.segmentBytes);
    data.clear();
    for (const table of this.writer.start()) data.append(table);
    this.current = { data, startDts: frame.timestamp, lastDts: frame.timestamp, startedAt: new Date() };
  }

  /** Ends the current segment at `endDts`, holding it for late audio when there is an audio track. */
  private cut(endDts: number): void {
    this.release();
    const segment = this.current!;
    this.current = undefined;
    if (this.writer.tracks.audio && this.writer.tracks.video) this.closing = { segment, endDts };
    else this.finish(segment, endDts);
  }

  /** Hands over the segment held for late audio. */
  private release(): void {
    if (!this.closing) return;
    const { segment, endDts } = this.closing;
    this.closing = undefined;
    this.finish(segment, endDts);
  }

  private finish(segment: OpenSegment, endDts: number): void {
    const duration = (endDts - segment.startDts) / 1000;
    if (duration <= 0) return; // nothing playable: a lone frame at the very end
    this.segmentBytes = Math.ceil(segment.data.length * 1.25);
    const buffer = segment.data;
    this.sink.add({
      data: buffer.bytes,
      release: () => {
        if (this.spare.length < SPARE_BUFFERS) this.spare.push(buffer);
      },
      duration,
      discontinuity: this.discontinuity,
      startedAt: segment.startedAt,
      session: this.publisher,
    });
    this.discontinuity = false;
  }
}
