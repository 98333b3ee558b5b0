import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { extname } from 'node:path';
import { inspectAudio, inspectVideo } from '../codecs/inspect.js';
import type { ClientSession, RecordingEvents } from '../gate/types.js';
import type { StreamReader } from '../hub/reader.js';
import type { EncodedFrame, MediaFrame } from '../media/frame.js';
import { randomId } from '../util/ids.js';
import type { Logger } from '../util/logger.js';
import { FileSink } from './file-sink.js';
import { fileFormatFor, type FileFormat, type StreamHeaders } from './file-format.js';

/** The two recording events the recorder reports (the gate turns them into callbacks). */
export type RecordingNotices = Pick<RecordingEvents, 'recordingStarted' | 'recordingFinished'>;

/** Where and how one recording writes its files. */
export interface RecordingPlan {
  /** Path of a new file opened at `at`, resolved and confined; throws when it cannot be. */
  nextPath(at: Date): string;
  /** A new file every this many ms (SRS dvr_plan segment); undefined for one file per publish. */
  segmentMs?: number;
  /** Cut segments at video keyframes only. */
  waitKeyframe: boolean;
  /** A record task's id, reported with its file; undefined gives each file a new uuid. */
  taskId?: string;
  /** The URL path a file is served at, '' when not served. */
  urlOf(file: string): string;
}

export interface RecordingDeps {
  session: ClientSession;
  events: RecordingNotices;
  logger: Logger;
  /** Bytes a file may have waiting for the disk before the recording gives up. */
  maxQueuedBytes: number;
  clock?: () => number;
}

interface OpenFile {
  path: string;
  uuid: string;
  format: FileFormat;
  sink: FileSink;
  startMs: number;
  /** Wall clock when the file was opened. */
  openedAt: number;
}

// After a file cannot be written (full disk, unwritable path), the next file is tried after this
// long, doubling up to the maximum while the trouble lasts.
const RETRY_FIRST_MS = 5_000;
const RETRY_MAX_MS = 60_000;

// Without a video header, audio is held this long (media time) before an audio-only file starts,
// in case the video header is merely late.
const AUDIO_ONLY_WAIT_MS = 1000;

/**
 * Records one publish of a stream as a hub reader. A file starts at the first video keyframe
 * (or, with no video, after a short wait), so it always decodes from its first frame. Writes go
 * to a bounded background queue: a slow or failing disk pauses this recording, never the stream,
 * and the recording resumes in a new file once the disk takes writes again.
 */
export class Recording implements StreamReader {
  readonly id = `recorder-${randomId()}`;
  /** Not a viewer: the API leaves it out of a stream's clients. */
  readonly internal = true;
  private readonly headers: StreamHeaders = {};
  private current: OpenFile | undefined;
  private held: MediaFrame[] = [];
  private stopped = false;
  private filesOpened = 0;
  private retryDelayMs = 0;
  private pausedUntil = 0;
  // Files close side by side but are reported in the order they were opened.
  private reported: Promise<void> = Promise.resolve();
  private readonly clock: () => number;

  constructor(
    private readonly plan: RecordingPlan,
    private readonly deps: RecordingDeps,
  ) {
    this.clock = deps.clock ?? Date.now;
  }

  /** Processes the frame at once (muxing is cheap); the disk is written in the background. */
  enqueue(frame: EncodedFrame): boolean {
    if (this.stopped) return false;
    if (frame.kind === 'data') this.headers.metadata = frame;
    else if (frame.sequenceHeader) this.headers[frame.kind] = frame;
    else if (!this.current) return this.clock() < this.pausedUntil ? false : this.startWith(frame); // writes the frame itself once a file opens
    else if (this.segmentDue(frame)) this.rotate(frame);
    // Headers and metadata go to an open file too (FLV keeps them, MP4 has them in its moov).
    if (this.current) this.write(this.current, frame);
    return false;
  }

  flush(): void {
    // Nothing to do: enqueue already handed the bytes to the file sink.
  }

  resync(): void {
    // A recording lives for one publish; its owner closes it when the publisher leaves.
  }

  /** Ends the recording: finishes the open file and waits until every file is closed and reported. */
  async close(): Promise<void> {
    if (!this.stopped) {
      if (!this.current && this.held.length > 0) this.openHeld(); // a short audio-only publish
      this.stopped = true;
      this.finishCurrent();
      if (this.filesOpened === 0 && this.plan.taskId !== undefined) {
        // A record task reports its end even when there was nothing to record.
        this.report(this.plan.taskId, '', 1);
      }
    }
    await this.reported;
  }

  private startWith(frame: MediaFrame): false {
    if (frame.kind === 'video') {
      if (frame.keyframe && this.headers.video) {
        this.held = [];
        if (this.open(frame.timestamp)) this.write(this.current!, frame);
      }
    } else if (!this.headers.video && this.headers.audio) {
      this.held.push(frame);
      if (frame.timestamp - this.held[0]!.timestamp >= AUDIO_ONLY_WAIT_MS) this.openHeld();
    }
    return false;
  }

  private openHeld(): void {
    const held = this.held;
    this.held = [];
    if (held.length > 0 && this.open(held[0]!.timestamp)) for (const f of held) this.write(this.current!, f);
  }

  private segmentDue(frame: MediaFrame): boolean {
    const file = this.current!;
    if (this.plan.segmentMs === undefined || frame.timestamp - file.startMs < this.plan.segmentMs) return false;
    if (!this.plan.waitKeyframe || !file.format.hasVideo) return true;
    return frame.kind === 'video' && frame.keyframe;
  }

  private rotate(frame: MediaFrame): void {
    this.finishCurrent();
    this.open(frame.timestamp);
  }

  private open(startMs: number): boolean {
    const uuid = this.plan.taskId ?? randomUUID();
    let path = '';
    try {
      path = this.plan.nextPath(new Date(this.clock()));
      const format = fileFormatFor(path, this.headers);
      const sink: FileSink = new FileSink(path, this.deps.maxQueuedBytes, (error) => this.sinkFailed(sink, error));
      this.current = { path, uuid, format, startMs, sink, openedAt: this.clock() };
      this.filesOpened++;
      sink.write(format.begin());
      this.deps.logger.info({ stream: this.streamName(), file: path }, 'recording to file');
      this.tellLeftOut(format, path);
      return true;
    } catch (error) {
      this.deps.logger.error({ err: error, stream: this.streamName(), file: path }, 'recording stopped: cannot open a file');
      this.stopped = true;
      this.report(uuid, path, 1);
      return false;
    }
  }

  /** A track the container cannot hold (VP9 or AV1 in MP4, say) is left out of the file, and the log says so. */
  private tellLeftOut(format: FileFormat, path: string): void {
    const { video, audio } = this.headers;
    const left = [video && !format.hasVideo ? inspectVideo(video.body).codec : undefined, audio && !format.hasAudio ? inspectAudio(audio.body).codec : undefined].filter(Boolean);
    if (left.length > 0) this.deps.logger.warn({ stream: this.streamName(), file: path, left_out: left }, `recording leaves ${left.join(' and ')} out: ${extname(path)} cannot hold it (record to .flv to keep every codec)`);
  }

  private write(file: OpenFile, frame: MediaFrame): void {
    if ((frame.kind === 'video' && !file.format.hasVideo) || (frame.kind === 'audio' && !file.format.hasAudio)) return;
    const bytes = file.format.frame(frame, Math.max(0, frame.timestamp - file.startMs));
    if (bytes) file.sink.write(bytes);
  }

  private sinkFailed(sink: FileSink, error: Error): void {
    const file = this.current;
    if (sink !== file?.sink) {
      // Already closing; its report carries the error.
      this.deps.logger.error({ err: error, stream: this.streamName(), file: sink.path }, 'recording file not finished: cannot write it');
      return;
    }
    // A file that was written for a while before failing starts the backoff over.
    const healthy = this.clock() - file.openedAt > RETRY_MAX_MS;
    this.retryDelayMs = healthy ? RETRY_FIRST_MS : Math.min(RETRY_MAX_MS, Math.max(RETRY_FIRST_MS, this.retryDelayMs * 2));
    this.pausedUntil = this.clock() + this.retryDelayMs;
    this.deps.logger.error(
      { err: error, stream: this.streamName(), file: sink.path, retry_in_ms: this.retryDelayMs },
      'recording paused: cannot write the file',
    );
    this.held = [];
    this.finishCurrent();
  }

  private finishCurrent(): void {
    const file = this.current;
    if (!file) return;
    this.current = undefined;
    const tail = file.format.end();
    if (tail) file.sink.write(tail);
    this.reported = Promise.all([this.reported, file.sink.close()]).then(async () => {
      const failed = file.sink.error !== undefined;
      // A file the disk refused from its first byte holds nothing: leave no empty file behind.
      const empty = failed && file.sink.bytesWritten === 0;
      if (empty) await rm(file.path, { force: true }).catch(() => {});
      this.deps.logger.info({ stream: this.streamName(), file: file.path, ok: !failed, removed: empty }, 'recording file closed');
      this.report(file.uuid, empty ? '' : file.path, failed ? 1 : 0);
    }).catch((error: unknown) => this.deps.logger.error({ err: error, file: file.path }, 'recording report failed'));
  }

  private report(uuid: string, file: string, code: number): void {
    const url = code === 0 && file !== '' ? this.plan.urlOf(file) : '';
    this.deps.events.recordingFinished({ session: this.deps.session, uuid, cwd: process.cwd(), file, recorder: '', url, code });
  }

  private streamName(): string {
    const s = this.deps.session;
    return `${s.vhost}/${s.app}/${s.stream}`;
  }
}
