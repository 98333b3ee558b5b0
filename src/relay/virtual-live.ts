import { createReadStream, type ReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { FLV_TAG_TYPE, FlvReader, flvTagToFrame, type FlvTag } from '../formats/flv/index.js';
import type { MediaFrame } from '../media/frame.js';
import { RelayError } from './errors.js';
import { isMetadata, type PullSource } from './pull-sources.js';

// Tags read ahead of the clock; reading pauses beyond this (a file is never held whole).
const READ_AHEAD_TAGS = 256;
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

/**
 * Plays an FLV file as a live stream: each tag is handed over when the wall clock reaches its
 * timestamp, and at the end the file starts again with timestamps that go on from where the
 * last pass ended, so players see one endless stream.
 */
export class FileSource implements PullSource {
  onFrame: (frame: MediaFrame) => void = () => {};
  onEnd: (error: Error) => void = () => {};
  private readonly queue: FlvTag[] = [];
  private input: ReadStream | undefined;
  private reader = new FlvReader();
  private timer: NodeJS.Timeout | undefined;
  private bytes = 0;
  private closed = false;
  private readonly startedAt: number;
  /** Output time of the current pass's first tag, and that tag's own timestamp. */
  private passStart = 0;
  private firstInPass: number | undefined;
  private lastOut = 0;
  private passes = 0;

  constructor(
    private readonly path: string,
    private readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
  }

  /** Passes started so far (the first is 1). */
  get loops(): number {
    return this.passes;
  }

  start(): void {
    this.openPass();
  }

  bytesReceived(): number {
    return this.bytes;
  }

  close(): void {
    this.end(new RelayError('closed'));
  }

  private openPass(): void {
    this.passes++;
    this.reader = new FlvReader();
    this.firstInPass = undefined;
    const input = createReadStream(this.path, { highWaterMark: 64 * 1024 });
    this.input = input;
    input.on('data', (data) => this.read(data as Buffer));
    input.on('error', (error) => this.end(new RelayError(`cannot read ${this.path}: ${error.message}`, { cause: error })));
    input.on('end', () => {
      this.input = undefined;
      this.schedule();
    });
  }

  private read(data: Buffer): void {
    this.bytes += data.length;
    try {
      this.reader.push(data, (tag) => {
        if (tag.type !== FLV_TAG_TYPE.SCRIPT || isMetadata(tag.body)) this.queue.push(tag);
      });
    } catch (error) {
      return this.end(new RelayError(`not FLV: ${(error as Error).message}`, { cause: error }));
    }
    if (this.queue.length >= READ_AHEAD_TAGS) this.input?.pause();
    this.schedule();
  }

  /** Hands over every tag that is due, then sleeps until the next one. */
  private schedule(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    const elapsed = this.now() - this.startedAt;
    while (this.queue.length > 0) {
      const tag = this.queue[0]!;
      const at = this.outputTime(tag);
      if (at > elapsed) {
        this.timer = setTimeout(() => this.schedule(), at - elapsed);
        break;
      }
      this.queue.shift();
      this.lastOut = Math.max(this.lastOut, at);
      this.onFrame(flvTagToFrame({ ...tag, timestamp: at }));
    }
    if (this.queue.length < READ_AHEAD_TAGS / 2) this.input?.resume();
    if (this.queue.length === 0 && this.input === undefined && !this.closed) {
      if (this.firstInPass === undefined) return this.end(new RelayError(`${this.path} has no audio or video`));
      // The pass is over: the next one starts just after its last frame.
      this.passStart = this.lastOut + LOOP_GAP_MS;
      this.openPass();
    }
  }

  private outputTime(tag: FlvTag): number {
    if (tag.type === FLV_TAG_TYPE.SCRIPT) return this.firstInPass === undefined ? this.passStart : this.lastOut;
    this.firstInPass ??= tag.timestamp;
    return this.passStart + Math.max(0, tag.timestamp - this.firstInPass);
  }

  private end(error: Error): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.input?.destroy();
    this.queue.length = 0;
    this.onEnd(error);
  }
}
