import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

const MAX_REMEMBERED_DIRS = 16;

/**
 * Runs file jobs one after another, off the media path. Segment writes are bounded: when
 * `maxSegments` are already waiting (a slow disk), the next one is refused and the caller drops
 * it, so the publisher never waits and memory stays bounded. Other jobs are always queued.
 */
export class WriteQueue {
  private tail: Promise<void> = Promise.resolve();
  private waitingSegments = 0;

  constructor(
    private readonly maxSegments: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Queues a segment job; false when too many are waiting already. */
  trySegment(job: () => Promise<void>): boolean {
    if (this.waitingSegments >= this.maxSegments) return false;
    this.waitingSegments++;
    this.push(async () => {
      try {
        await job();
      } finally {
        this.waitingSegments--;
      }
    });
    return true;
  }

  push(job: () => Promise<void>): void {
    this.tail = this.tail.then(job).catch(this.onError);
  }

  /** Resolves once everything queued so far is done. */
  idle(): Promise<void> {
    return this.tail;
  }
}

/**
 * Writes files into directories it makes once: segments and playlists go to the same few
 * directories, so asking for them on every write would cost a mkdir per file. A directory that
 * disappears (removed by hand) is made again on the write that finds it gone.
 */
export class FileWriter {
  private readonly made = new Set<string>();

  async write(path: string, data: Buffer | string): Promise<void> {
    const dir = dirname(path);
    if (!this.made.has(dir)) await this.makeDir(dir);
    try {
      await writeFile(path, data);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await this.makeDir(dir);
      await writeFile(path, data);
    }
  }

  /** Writes a temporary file and renames it over `path`, so readers never see half a playlist. */
  async writeAtomically(path: string, data: string): Promise<void> {
    const temp = `${path}.${process.pid}.tmp`;
    try {
      await this.write(temp, data);
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => {});
      throw error;
    }
  }

  private async makeDir(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    // Dated segment paths (hls_ts_file with [2006]/[01]/[02]) make a new directory now and then.
    if (this.made.size >= MAX_REMEMBERED_DIRS) this.made.clear();
    this.made.add(dir);
  }
}
