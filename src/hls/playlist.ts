/** One segment as the playlist lists it. */
export interface PlaylistSegment {
  seq: number;
  /** Seconds of media. */
  duration: number;
  /** What the playlist writes for it: relative to the playlist, or hls_entry_prefix + url. */
  uri: string;
  /** The segment's path relative to hls_path (SRS `url`). */
  url: string;
  /** Absolute path of the file. */
  file: string;
  /** The media does not continue from the previous segment (a republish, a timestamp jump, a dropped segment). */
  discontinuity: boolean;
}

/** The sliding window of a live media playlist (RFC 8216, version 3, as SRS writes it). */
export class MediaPlaylist {
  private list: PlaylistSegment[] = [];
  /** Discontinuities that have left the window (EXT-X-DISCONTINUITY-SEQUENCE, RFC 8216 6.2.1). */
  private discontinuitySequence = 0;

  /**
   * @param windowSeconds media the playlist keeps
   * @param minTargetSeconds least EXT-X-TARGETDURATION (SRS: hls_fragment × hls_td_ratio), so it
   *   stays put while segments vary around hls_fragment
   */
  constructor(
    private readonly windowSeconds: number,
    private readonly minTargetSeconds: number,
  ) {}

  get segments(): readonly PlaylistSegment[] {
    return this.list;
  }

  /**
   * Adds a segment and drops the oldest ones the window no longer needs: counting back from the
   * newest, the segment that takes the total past the window is the last one kept (as SRS).
   * Returns the dropped segments.
   */
  add(segment: PlaylistSegment): PlaylistSegment[] {
    this.list.push(segment);
    let total = 0;
    let keepFrom = 0;
    for (let i = this.list.length - 1; i >= 0; i--) {
      total += this.list[i]!.duration;
      if (total > this.windowSeconds) {
        keepFrom = i;
        break;
      }
    }
    const removed = this.list.splice(0, keepFrom);
    this.discontinuitySequence += removed.filter((s) => s.discontinuity).length;
    return removed;
  }

  /** Removes every segment (at dispose); returns them. */
  clear(): PlaylistSegment[] {
    return this.list.splice(0);
  }

  /** The playlist text; `query` (e.g. `?hls_ctx=ID`) is appended to each segment URI. */
  render(query = ''): string {
    const first = this.list[0];
    const target = Math.ceil(Math.max(1, this.minTargetSeconds, ...this.list.map((s) => s.duration)));
    const lines = ['#EXTM3U', '#EXT-X-VERSION:3', `#EXT-X-MEDIA-SEQUENCE:${first?.seq ?? 0}`];
    if (this.discontinuitySequence > 0) lines.push(`#EXT-X-DISCONTINUITY-SEQUENCE:${this.discontinuitySequence}`);
    lines.push(`#EXT-X-TARGETDURATION:${target}`);
    for (const s of this.list) {
      if (s.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
      lines.push(`#EXTINF:${s.duration.toFixed(3)}, no desc`, `${s.uri}${query}`);
    }
    return `${lines.join('\n')}\n`;
  }
}

/** The one-entry master playlist that hands a new viewer its session id (as SRS). */
export function masterPlaylist(mediaUri: string): string {
  return `#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,AVERAGE-BANDWIDTH=1\n${mediaUri}\n`;
}
