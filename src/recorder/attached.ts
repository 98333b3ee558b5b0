import type { Stream } from '../hub/stream.js';
import type { Recording } from './recording.js';

/** The recordings attached to streams, by key, and those still finishing their files. */
export class AttachedRecordings<K> {
  private readonly live = new Map<K, { stream: Stream; recording: Recording }>();
  private readonly ending = new Set<Promise<void>>();

  has(key: K): boolean {
    return this.live.has(key);
  }

  attach(key: K, stream: Stream, recording: Recording): void {
    this.live.set(key, { stream, recording });
    stream.addReader(recording);
  }

  /** Takes the recording off its stream and finishes its file in the background. */
  detach(key: K): Promise<void> {
    const entry = this.live.get(key);
    if (!entry) return Promise.resolve();
    this.live.delete(key);
    entry.stream.removeReader(entry.recording);
    const done = entry.recording.close();
    this.ending.add(done);
    void done.finally(() => this.ending.delete(done));
    return done;
  }

  keysOf(stream: Stream): K[] {
    return [...this.live].filter(([, entry]) => entry.stream === stream).map(([key]) => key);
  }

  /** Detaches everything and waits until every file is closed and reported. */
  async closeAll(): Promise<void> {
    for (const key of [...this.live.keys()]) void this.detach(key);
    while (this.ending.size > 0) await Promise.all(this.ending);
  }
}
