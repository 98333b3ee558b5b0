import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { FLV_TAG_TYPE, FlvReader, flvTagToFrame, type FlvTag } from '../formats/flv/index.js';
import { readMp4Frames } from '../formats/mp4/demuxer.js';
import type { MediaFrame } from '../media/frame.js';
import { RelayError } from './errors.js';
import { isMetadata, type PullSource } from './pull-sources.js';

// Added between the last frame of a pass and the first of the next, in ms.
const LOOP_GAP_MS = 40;

/**
 * The file `name` inside `dir`, or a RelayError when it resolves outside it (`..`, an absolute
 * path, or a symbolic link that leads out).
 */
export async function confinedFile(dir: string, name: string): Promise<string> {
  const root = await realpath(dir).catch((error: Error) => {
    throw new RelayError(`virtual live directory ${dir}: ${error.message}`, { cause: error });
  });
  const inside = (path: string) => {
    const rel = relative(root, path);
    return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
  };
  if (!inside(resolve(root, name))) throw new RelayError(`${name} is outside the virtual live directory`);
  const path = await realpath(resolve(root, name)).catch((error: Error) => {
    throw new RelayError(`virtual live file ${name}: ${error.message}`, { cause: error });
  });
  if (!inside(path)) throw new RelayError(`${name} leads outside the virtual live directory`);
  if (!(await stat(path)).isFile()) throw new RelayError(`${name} is not a file`);
  return path;
}

/** The frames of an FLV file, read as they are consumed. */
export async function* readFlvFrames(path: string): AsyncGenerator<MediaFrame> {
  const reader = new FlvReader();
  const tags: FlvTag[] = [];
  for await (const chunk of createReadStream(path, { highWaterMark: 64 * 1024 })) {
    reader.push(chunk as Buffer, (tag) => tags.push(tag));
    for (const tag of tags.splice(0)) {
      if (tag.type !== FLV_TAG_TYPE.SCRIPT || isMetadata(tag.body)) yield flvTagToFrame(tag);
    }
  }
  reader.end();
}

/** Reads up to the file's first audio or video frame: a file that is not media is refused before anything is published. */
export async function checkMedia(path: string, read: (path: string) => AsyncGenerator<MediaFrame> = framesOf): Promise<void> {
  const frames = read(path);
  try {
    for await (const frame of frames) if (frame.kind !== 'data') return;
  } catch (error) {
    throw new RelayError(`cannot play ${path}: ${(error as Error).message}`, { cause: error });
  } finally {
    await frames.return(undefined);
  }
  throw new RelayError(`cannot play ${path}: no audio or video in the file`);
}

/** The reader for a file, by its extension: `.mp4`/`.m4v`/`.mov` as MP4, anything else as FLV. */
export function framesOf(path: string): AsyncGenerator<MediaFrame> {
  return /\.(mp4|m4v|mov)$/i.test(path) ? readMp4Frames(path) : readFlvFrames(path);
}

/**
 * Plays a file as a live stream: each frame is handed over when the wall clock reaches its
 * timestamp, and at the end the file starts again with timestamps that go on from where the
 * last pass ended, so players see one endless stream. The file is read as it plays, never whole.
 */
export class FileSource implements PullSource {
  onFrame: (frame: MediaFrame) => void = () => {};
  onEnd: (error: Error) => void = () => {};
  private closed = false;
  private wake: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private passes = 0;

  constructor(
    private readonly path: string,
    private readonly read: (path: string) => AsyncGenerator<MediaFrame> = framesOf,
    private readonly now: () => number = Date.now,
  ) {}

  /** Passes started so far (the first is 1). */
  get loops(): number {
    return this.passes;
  }

  start(): void {
    this.run().then(
      () => this.end(new RelayError('closed')),
      (error: Error) => this.end(new RelayError(`cannot play ${this.path}: ${error.message}`, { cause: error })),
    );
  }

  bytesReceived(): number {
    return 0;
  }

  close(): void {
    this.end(new RelayError('closed'));
  }

  private async run(): Promise<void> {
    const startedAt = this.now();
    let passStart = 0;
    let lastOut = 0;
    while (!this.closed) {
      this.passes++;
      let first: number | undefined;
      for await (const frame of this.read(this.path)) {
        if (this.closed) return;
        // Metadata goes out with the frames around it; audio and video at their own time.
        if (frame.kind !== 'data') first ??= frame.timestamp;
        const at = frame.kind === 'data' || first === undefined ? Math.max(passStart, lastOut) : passStart + Math.max(0, frame.timestamp - first);
        await this.sleep(startedAt + at - this.now());
        if (this.closed) return;
        lastOut = Math.max(lastOut, at);
        this.onFrame({ ...frame, timestamp: at });
      }
      if (first === undefined) throw new RelayError('no audio or video in the file');
      passStart = lastOut + LOOP_GAP_MS;
    }
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(resolve, ms);
    });
  }

  private end(error: Error): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.wake?.();
    this.onEnd(error);
  }
}
