/** Input further than this from where the samples fed so far put it starts a new anchor. */
const JUMP_MS = 60;

interface Anchor {
  /** Seconds of input fed to the transcoder before this anchor. */
  at: number;
  /** The input timestamp there, in ms. */
  timestamp: number;
}

/**
 * Maps a transcoder's output back onto the input's clock. ffmpeg sees the input as one run of
 * samples without timestamps, so output time is counted in samples: an output frame starting
 * `s` seconds into the output has the timestamp of the input `s` seconds into the input. Where
 * the input's timestamps jump (a gap, a new publish) a new anchor is taken; drift under the
 * threshold is absorbed. Output timestamps never go back, across restarts too.
 */
export class Timeline {
  private anchors: Anchor[] = [];
  private fed = 0;
  private produced = 0;
  private last = -Infinity;

  /** Records an input frame of `seconds` duration at `timestamp` ms. */
  input(timestamp: number, seconds: number): void {
    const current = this.anchors.at(-1);
    const expected = current ? current.timestamp + (this.fed - current.at) * 1000 : undefined;
    if (expected === undefined || Math.abs(timestamp - expected) > JUMP_MS) this.anchors.push({ at: this.fed, timestamp });
    this.fed += seconds;
  }

  /** The timestamp of the next output frame of `seconds` duration, in ms. */
  output(seconds: number): number {
    const at = this.produced;
    this.produced += seconds;
    while (this.anchors.length > 1 && this.anchors[1]!.at <= at) this.anchors.shift();
    const anchor = this.anchors[0];
    const timestamp = anchor ? Math.round(anchor.timestamp + (at - anchor.at) * 1000) : 0;
    this.last = Math.max(this.last, timestamp);
    return this.last;
  }

  /** The transcoder starts again (a restart): what was in flight is lost, counting starts over. */
  restart(): void {
    this.anchors = [];
    this.fed = 0;
    this.produced = 0;
  }
}
