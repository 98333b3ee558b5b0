import { readFile } from 'node:fs/promises';
import { ProtocolError } from '../../util/errors.js';
import { FLV_TAG_HEADER_SIZE, FLV_TAG_TYPE } from './tag.js';

/** One FLV tag as read from a file or stream. */
export interface FlvTag {
  type: number;
  /** Milliseconds, with TimestampExtended folded in. */
  timestamp: number;
  body: Buffer;
}

export interface FlvReaderOptions {
  /** Largest tag body accepted, checked before buffering it. Default 8 MiB. */
  maxTagSize?: number;
}

const DEFAULT_MAX_TAG_SIZE = 8 * 1024 * 1024;
const FILE_HEADER_SIZE = 9;
const PREVIOUS_TAG_SIZE = 4;
const FILTER_BIT = 0x20;
const KNOWN_TYPES = new Set<number>(Object.values(FLV_TAG_TYPE));

type State = 'fileHeader' | 'skip' | 'tagHeader' | 'tagBody';

/**
 * Streaming FLV decoder: feed it bytes split anywhere, get whole tags back in order.
 * Tag bodies may be views into the pushed buffers, so don't reuse a buffer after pushing it.
 * After a ProtocolError the reader stays failed and rethrows it on every push.
 */
export class FlvReader {
  private readonly maxTagSize: number;
  private readonly chunks: Buffer[] = [];
  private head = 0; // index of the first chunk not yet consumed
  private buffered = 0;
  private state: State = 'fileHeader';
  private need = FILE_HEADER_SIZE; // bytes the current state waits for (or still has to skip)
  private tagType = 0;
  private tagTimestamp = 0;
  private failure: ProtocolError | undefined;

  constructor(options: FlvReaderOptions = {}) {
    this.maxTagSize = options.maxTagSize ?? DEFAULT_MAX_TAG_SIZE;
  }

  push(data: Buffer, onTag: (tag: FlvTag) => void): void {
    if (this.failure) throw this.failure;
    if (data.length > 0) {
      this.chunks.push(data);
      this.buffered += data.length;
    }
    try {
      this.drain(onTag);
    } finally {
      this.chunks.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Call at end of input: throws ProtocolError if it stopped inside the header or a tag. */
  end(): void {
    if (this.failure) throw this.failure;
    if (this.state === 'fileHeader') throw this.fail('truncated FLV: no file header');
    if (this.state !== 'tagHeader' || this.buffered > 0) {
      throw this.fail('truncated FLV: input ends inside a tag');
    }
  }

  private drain(onTag: (tag: FlvTag) => void): void {
    for (;;) {
      if (this.state === 'skip') {
        const n = Math.min(this.need, this.buffered);
        this.discard(n);
        this.need -= n;
        if (this.need > 0) return;
        this.expect('tagHeader', FLV_TAG_HEADER_SIZE);
      }
      if (this.buffered < this.need) return;
      if (this.state === 'fileHeader') {
        this.readFileHeader(this.take(FILE_HEADER_SIZE));
      } else if (this.state === 'tagHeader') {
        this.readTagHeader(this.take(FLV_TAG_HEADER_SIZE));
      } else {
        const body = this.take(this.need - PREVIOUS_TAG_SIZE);
        // PreviousTagSize is not checked: the tag header alone frames the stream, and some
        // muxers are known to write wrong values there.
        this.discard(PREVIOUS_TAG_SIZE);
        this.expect('tagHeader', FLV_TAG_HEADER_SIZE);
        onTag({ type: this.tagType, timestamp: this.tagTimestamp, body });
      }
    }
  }

  private readFileHeader(header: Buffer): void {
    if (header.toString('latin1', 0, 3) !== 'FLV') throw this.fail('not an FLV stream: bad signature');
    const dataOffset = header.readUInt32BE(5);
    if (dataOffset < FILE_HEADER_SIZE) throw this.fail(`bad FLV header size ${dataOffset}`);
    // Skip any header extension, then PreviousTagSize0.
    this.expect('skip', dataOffset - FILE_HEADER_SIZE + PREVIOUS_TAG_SIZE);
  }

  private readTagHeader(header: Buffer): void {
    const flags = header[0]!;
    if (flags & FILTER_BIT) throw this.fail('encrypted FLV tags are not supported');
    if (!KNOWN_TYPES.has(flags)) throw this.fail(`unknown FLV tag type ${flags}`);
    const size = header.readUIntBE(1, 3);
    if (size > this.maxTagSize) {
      throw this.fail(`FLV tag of ${size} bytes exceeds the ${this.maxTagSize}-byte limit`);
    }
    this.tagType = flags;
    this.tagTimestamp = header[7]! * 0x1000000 + header.readUIntBE(4, 3);
    this.expect('tagBody', size + PREVIOUS_TAG_SIZE);
  }

  private expect(state: State, need: number): void {
    this.state = state;
    this.need = need;
  }

  private fail(message: string): ProtocolError {
    this.failure = new ProtocolError(message);
    return this.failure;
  }

  /** Removes `n` buffered bytes (n <= buffered): a view when they lie in one chunk, else a copy. */
  private take(n: number): Buffer {
    const first = this.chunks[this.head]!;
    if (first.length >= n) {
      this.consumeFirst(first, n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[this.head]!;
      const k = Math.min(chunk.length, n - filled);
      chunk.copy(out, filled, 0, k);
      this.consumeFirst(chunk, k);
      filled += k;
    }
    return out;
  }

  private discard(n: number): void {
    while (n > 0) {
      const chunk = this.chunks[this.head]!;
      const k = Math.min(chunk.length, n);
      this.consumeFirst(chunk, k);
      n -= k;
    }
  }

  private consumeFirst(chunk: Buffer, n: number): void {
    if (n === chunk.length) this.head++;
    else this.chunks[this.head] = chunk.subarray(n);
    this.buffered -= n;
  }
}

/** Reads a whole FLV file into tags (for tests and benchmarks). */
export async function readFlvFile(path: string, options?: FlvReaderOptions): Promise<FlvTag[]> {
  const tags: FlvTag[] = [];
  const reader = new FlvReader(options);
  reader.push(await readFile(path), (tag) => tags.push(tag));
  reader.end();
  return tags;
}
