import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

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

export async function writeFileIn(path: string, data: Buffer | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, data);
}

/** Writes a temporary file and renames it over `path`, so readers never see half a playlist. */
export async function writeAtomically(path: string, data: string): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    await writeFileIn(temp, data);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {});
    throw error;
  }
}
