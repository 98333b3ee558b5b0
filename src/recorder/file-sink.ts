import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Appends buffers to a new file in the background, in order. The queue is bounded: a disk that
 * cannot keep up fails the sink instead of holding memory or slowing the stream. After a failure
 * (overflow, EACCES, ENOSPC, EROFS...) every later write is dropped and `error` says why.
 */
export class FileSink {
  private handle: Promise<FileHandle>;
  private queue: Buffer[] = [];
  private queuedBytes = 0;
  private draining: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private written = 0;

  constructor(
    readonly path: string,
    private readonly maxQueuedBytes: number,
    private readonly onFailure: (error: Error) => void,
  ) {
    this.handle = mkdir(dirname(path), { recursive: true }).then(() => open(path, 'w'));
    this.handle.catch((error: unknown) => this.fail(error));
  }

  get error(): Error | undefined {
    return this.failure;
  }

  /** Bytes that reached the file. */
  get bytesWritten(): number {
    return this.written;
  }

  write(bytes: Buffer): void {
    if (this.failure || bytes.length === 0) return;
    if (this.queuedBytes + bytes.length > this.maxQueuedBytes) {
      this.fail(new Error(`disk too slow: more than ${this.maxQueuedBytes} bytes waiting to be written`));
      return;
    }
    this.queue.push(bytes);
    this.queuedBytes += bytes.length;
    if (this.queue.length === 1) this.draining = this.draining.then(() => this.drain());
  }

  /** Writes what is queued, then closes the file. Never rejects: see `error`. */
  async close(): Promise<void> {
    await this.draining;
    try {
      await (await this.handle).close();
    } catch (error) {
      this.fail(error);
    }
  }

  private async drain(): Promise<void> {
    try {
      const file = await this.handle;
      while (this.queue.length > 0 && !this.failure) {
        // Everything queued so far goes out in one write.
        const chunk = this.queue.length === 1 ? this.queue[0]! : Buffer.concat(this.queue);
        this.queue = [];
        for (let done = 0; done < chunk.length; ) {
          const { bytesWritten } = await file.write(chunk, done);
          done += bytesWritten;
          this.written += bytesWritten;
        }
        this.queuedBytes -= chunk.length;
      }
    } catch (error) {
      this.fail(error);
    }
  }

  private fail(error: unknown): void {
    if (this.failure) return;
    this.failure = error instanceof Error ? error : new Error(String(error));
    this.queue = [];
    this.queuedBytes = 0;
    this.onFailure(this.failure);
  }
}
