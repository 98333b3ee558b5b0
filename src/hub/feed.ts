import type { EncodedFrame } from '../media/frame.js';
import type { OutputFormat, ReaderLimits } from './reader.js';
import type { Reader } from './reader.js';

/**
 * One output format's encoded frames of a stream, appended once per frame and shared by every
 * player of that format. Players hold only a position (cursor) in it; positions are absolute
 * (they keep counting when the front is trimmed). At flush, players at the same position share
 * one joined buffer, so a frame costs the same whatever the number of players, and each player
 * costs one write per flush.
 *
 * The front is trimmed once every player has moved past it, and also when the feed outgrows the
 * stream's queue bound: a player left behind the front (one whose start is held back) skips to
 * the next keyframe, with the metadata and sequence headers in effect there.
 */
export class Feed {
  readonly readers = new Set<Reader>();
  /** Chunks joined for one reader, reused across flushes. */
  readonly scratch: Buffer[] = [];
  private frames: EncodedFrame[] = [];
  private chunks: Buffer[] = [];
  private base = 0;
  private bytes = 0;
  /** Positions of video keyframes held. */
  private keyframes: number[] = [];
  /** The latest metadata and sequence headers trimmed off the front: still in effect there. */
  private readonly frontConfig = new Map<string, EncodedFrame>();
  /** Joined bytes from a position to the end, for the flush under way. */
  private readonly joined = new Map<number, Buffer>();

  constructor(readonly format: OutputFormat) {}

  get start(): number {
    return this.base;
  }

  get end(): number {
    return this.base + this.frames.length;
  }

  /** Bytes held (for the memory bound, and tests). */
  get heldBytes(): number {
    return this.bytes;
  }

  append(frame: EncodedFrame): void {
    if (frame.kind === 'video' && frame.keyframe && !frame.sequenceHeader) this.keyframes.push(this.end);
    const chunk = frame.encoded(this.format.key, this.format.encode);
    this.frames.push(frame);
    this.chunks.push(chunk);
    this.bytes += chunk.length;
  }

  frameAt(position: number): EncodedFrame {
    return this.frames[position - this.base]!;
  }

  chunkAt(position: number): Buffer {
    return this.chunks[position - this.base]!;
  }

  /** The first keyframe at or after `position`, or the end when none has come yet. */
  nextKeyframe(position: number): number {
    for (const at of this.keyframes) if (at >= position) return at;
    return this.end;
  }

  /** Metadata and sequence headers in effect at the front (what a reader left behind needs). */
  configAtFront(): EncodedFrame[] {
    return [...this.frontConfig.values()];
  }

  /** The bytes from `position` to the end, joined once per flush for every reader there. */
  bytesFrom(position: number): Buffer {
    const from = position - this.base;
    if (from === this.chunks.length - 1) return this.chunks[from]!;
    let bytes = this.joined.get(position);
    if (bytes === undefined) {
      bytes = Buffer.concat(from === 0 ? this.chunks : this.chunks.slice(from));
      this.joined.set(position, bytes);
    }
    return bytes;
  }

  /** Writes what each reader is owed, then drops what nobody needs any more. */
  flush(limits: ReaderLimits, now: number): void {
    let keepFrom = this.end;
    const writes = this.format.flushWrites;
    writes?.begin();
    try {
      for (const reader of this.readers) {
        reader.flushFrom(this, limits, now);
        if (!reader.isClosed && reader.position < keepFrom) keepFrom = reader.position;
      }
    } finally {
      writes?.end();
    }
    this.joined.clear();
    this.trim(keepFrom, limits.maxPendingBytes);
  }

  private trim(keepFrom: number, maxBytes: number): void {
    const keep = keepFrom - this.base;
    let drop = 0;
    while (drop < this.frames.length && (drop < keep || this.bytes > maxBytes)) {
      const frame = this.frames[drop]!;
      this.bytes -= this.chunks[drop]!.length;
      if (frame.kind === 'data') this.frontConfig.set('data', frame);
      else if (frame.sequenceHeader) this.frontConfig.set(frame.kind, frame);
      drop++;
    }
    if (drop === 0) return;
    if (drop === this.frames.length) {
      this.frames.length = 0;
      this.chunks.length = 0;
    } else {
      this.frames.splice(0, drop);
      this.chunks.splice(0, drop);
    }
    this.base += drop;
    while (this.keyframes.length > 0 && this.keyframes[0]! < this.base) this.keyframes.shift();
  }

  /** A new publisher starts from its own headers: the old ones no longer apply. */
  forgetConfig(): void {
    this.frontConfig.clear();
  }
}
