import type { EncodedFrame } from '../../media/frame.js';
import type { StartGate } from '../../hub/reader.js';

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
 * the publisher comes there is nothing to send, so nothing is decided. The reader shows it the
 * frames it is about to write (the same ones again until it opens), so seeing is idempotent.
 */
export class FlvTrackProbe implements StartGate {
  private readonly seen: FlvTracks = { audio: false, video: false };
  private decided = false;
  private timer: NodeJS.Timeout | undefined;

  /** `start` gets the tracks once decided; `wake` asks for a flush when the wait decides it. */
  constructor(
    private readonly start: (tracks: FlvTracks) => void,
    private readonly wake: () => void,
  ) {}

  ready(frame: EncodedFrame): boolean {
    if (!this.decided && frame.kind !== 'data') this.observe(frame);
    return this.decided;
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
    this.timer ??= setTimeout(() => {
      this.decide();
      this.wake();
    }, HEADER_WAIT_MS);
  }

  private decide(): void {
    if (this.decided) return;
    this.decided = true;
    clearTimeout(this.timer);
    this.start({ ...this.seen });
  }
}
