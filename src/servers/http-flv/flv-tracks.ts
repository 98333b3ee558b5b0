import type { EncodedFrame } from '../../media/frame.js';
import type { BatchJoiner } from '../../hub/batch-joiner.js';
import type { Reader, ReaderLimits, ReaderStats, StreamReader } from '../../hub/reader.js';

export interface FlvTracks {
  audio: boolean;
  video: boolean;
}

/** How long to wait for the first coded frame once a sequence header has come. */
const HEADER_WAIT_MS = 1000;

/**
 * Holds a player's FLV tags back until the stream's tracks are known, so the FLV header's flags
 * tell the truth: players such as ffmpeg wait for every track the header announces. The tracks
 * are known when both sequence headers have come, or with the first coded frame (encoders send
 * their sequence headers first), or at the latest HEADER_WAIT_MS after the first header. Before
 * the publisher comes there is nothing to send, so nothing is decided.
 */
export class FlvTrackProbe implements StreamReader {
  private readonly seen: FlvTracks = { audio: false, video: false };
  private decided = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly reader: Reader,
    private readonly start: (tracks: FlvTracks) => void,
  ) {}

  get id(): string {
    return this.reader.id;
  }

  get stats(): ReaderStats {
    return this.reader.stats;
  }

  enqueue(frame: EncodedFrame, limits: ReaderLimits, now: number): boolean {
    if (!this.decided && frame.kind !== 'data') this.observe(frame);
    return this.reader.enqueue(frame, limits, now);
  }

  flush(batches: BatchJoiner): void {
    if (this.decided) this.reader.flush(batches);
  }

  resync(): void {
    this.reader.resync();
  }

  /** Stops waiting (the player left). */
  dispose(): void {
    clearTimeout(this.timer);
  }

  private observe(frame: EncodedFrame): void {
    this.seen[frame.kind === 'audio' ? 'audio' : 'video'] = true;
    if (!frame.sequenceHeader || (this.seen.audio && this.seen.video)) {
      this.decide();
      return;
    }
    this.timer ??= setTimeout(() => this.decide(), HEADER_WAIT_MS);
  }

  private decide(): void {
    if (this.decided) return;
    this.decided = true;
    clearTimeout(this.timer);
    this.start({ ...this.seen });
  }
}
