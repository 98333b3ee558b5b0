/**
 * Joins a reader's queued chunks into one buffer, once per distinct batch in a flush: players
 * that are in step queue the very same frames, so they share one join and each costs one write.
 */
export class BatchJoiner {
  private readonly joined = new Map<Buffer, { chunks: Buffer[]; bytes: Buffer }>();

  join(chunks: Buffer[]): Buffer {
    if (chunks.length === 1) return chunks[0]!;
    const first = chunks[0]!;
    const known = this.joined.get(first);
    if (known && sameChunks(known.chunks, chunks)) return known.bytes;
    const bytes = Buffer.concat(chunks);
    this.joined.set(first, { chunks, bytes });
    return bytes;
  }
}

function sameChunks(a: Buffer[], b: Buffer[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
