import { unlink } from 'node:fs/promises';
import { posix } from 'node:path';
import type { HlsConfig } from '../config/schema.js';
import type { ClientSession, HlsSegmentClosed } from '../gate/types.js';
import type { Logger } from '../util/logger.js';
import { renderTemplate, resolveInside } from '../util/path-template.js';
import { MediaPlaylist, type PlaylistSegment } from './playlist.js';
import { FileWriter, WriteQueue } from './write-queue.js';

/** Where segment-closed events go (the gate turns them into on_hls and on_hls_notify). */
export interface HlsEvents {
  hlsSegment(info: HlsSegmentClosed): void;
  /** A playlist or segment could not be written (counted by metrics). */
  hlsWriteFailed?(playlist: string): void;
}

/** A finished segment as the segmenter hands it over. */
export interface ClosedSegment {
  /** The whole segment, in one buffer. */
  data: Buffer;
  /** Called once `data` is written or dropped: its memory may then be reused. */
  release?: () => void;
  /** Seconds of media. */
  duration: number;
  /** Does not continue the segment before (a new publish, a timestamp jump); moot for the first one. */
  discontinuity: boolean;
  /** Wall-clock time the segment started, for the date placeholders. */
  startedAt: Date;
  /** The publisher, for on_hls. */
  session: ClientSession;
}

export interface StreamName {
  vhost: string;
  app: string;
  stream: string;
}

// Segments that may wait for a slow disk before new ones are dropped.
const MAX_WAITING_SEGMENTS = 3;

/**
 * The files of one stream's HLS output: segments, the playlist, their cleanup. Outlives a
 * publish so that a republish within hls_dispose continues the same playlist and numbering.
 */
export class HlsOutput {
  /** Playlist path relative to hls_path (SRS `m3u8_url`), also its URL path on the HTTP server. */
  readonly m3u8Url: string;
  readonly m3u8File: string;
  private readonly playlist: MediaPlaylist;
  private readonly queue: WriteQueue;
  private readonly files = new FileWriter();
  private nextSeq = 0;
  /** The last segment was dropped or lost: the next one written does not continue it. */
  private gap = false;
  /** Writes are failing (a full or broken disk): logged once until they work again. */
  private failing = false;

  constructor(
    readonly name: StreamName,
    private readonly config: HlsConfig,
    private readonly events: HlsEvents,
    private readonly logger: Logger,
  ) {
    this.m3u8Url = renderTemplate(config.hls_m3u8_file, name);
    this.m3u8File = resolveInside(config.hls_path, this.m3u8Url);
    this.playlist = new MediaPlaylist(config.hls_window, config.hls_fragment * config.hls_td_ratio);
    this.queue = new WriteQueue(MAX_WAITING_SEGMENTS, (error) => this.writeFailed(error));
  }

  /** True once a segment is listed (the playlist can be served). */
  get ready(): boolean {
    return this.playlist.segments.length > 0;
  }

  /** The media playlist as served, with `query` appended to each segment URI. */
  render(query = ''): string {
    return this.playlist.render(query);
  }

  /** Queues a closed segment for writing; drops it (with a log line) when the disk is behind. */
  add(segment: ClosedSegment): void {
    if (this.queue.trySegment(() => this.write(segment).finally(() => segment.release?.()))) return;
    segment.release?.();
    // In the queue's order, so only the segment after the dropped one is marked.
    this.queue.push(async () => {
      this.gap = true;
    });
    this.logger.warn({ playlist: this.m3u8File, duration: segment.duration }, 'hls segment dropped: disk too slow');
  }

  /** Deletes the playlist and every listed segment (hls_dispose after unpublish). */
  dispose(): Promise<void> {
    this.queue.push(async () => {
      const files = this.playlist.clear().map((s) => s.file);
      await Promise.all([...files, this.m3u8File].map(removeFile));
      this.logger.info({ playlist: this.m3u8File, segments: files.length }, 'hls disposed');
    });
    return this.queue.idle();
  }

  /** Resolves once every queued write is done. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Writes the segment, then lists it; numbers are given only to segments that reach the disk. */
  private async write(segment: ClosedSegment): Promise<void> {
    const seq = this.nextSeq;
    const url = renderTemplate(this.config.hls_ts_file, { ...this.name, seq, time: segment.startedAt });
    const entry: PlaylistSegment = {
      seq,
      duration: segment.duration,
      url,
      uri: this.uriOf(url),
      file: resolveInside(this.config.hls_path, url),
      // The first segment of the stream continues nothing (a republish later does break it).
      discontinuity: seq > 0 && (segment.discontinuity || this.gap),
    };
    try {
      await this.files.write(entry.file, segment.data);
    } catch (error) {
      // A segment the disk refused is never listed: leave no partial file behind.
      this.gap = true;
      await removeFile(entry.file).catch(() => {});
      throw error;
    }
    this.nextSeq++;
    this.gap = false;
    if (this.failing) {
      this.failing = false;
      this.logger.info({ playlist: this.m3u8File }, 'hls writes work again');
    }
    const removed = this.playlist.add(entry);
    // The file is on disk before the playlist names it, and off the playlist before it is deleted.
    await this.files.writeAtomically(this.m3u8File, this.playlist.render());
    if (this.config.hls_cleanup) await Promise.all(removed.map((s) => removeFile(s.file)));
    this.events.hlsSegment({
      session: segment.session,
      duration: entry.duration,
      cwd: process.cwd(),
      file: entry.file,
      url: entry.url,
      m3u8: this.m3u8File,
      m3u8Url: this.m3u8Url,
      seqNo: entry.seq,
      notifyAnswerBytes: this.config.hls_nb_notify,
    });
  }

  private writeFailed(error: unknown): void {
    this.events.hlsWriteFailed?.(this.m3u8File);
    if (this.failing) return;
    this.failing = true;
    this.logger.error({ err: error, playlist: this.m3u8File }, 'hls write failed; segments are dropped until the disk takes writes again');
  }

  /** A segment as the playlist names it: relative to the playlist, or behind hls_entry_prefix. */
  private uriOf(url: string): string {
    const prefix = this.config.hls_entry_prefix;
    if (prefix) return `${prefix.replace(/\/+$/, '')}/${url}`;
    return posix.relative(posix.dirname(this.m3u8Url), url);
  }
}

async function removeFile(file: string): Promise<void> {
  try {
    await unlink(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

