import type { Readable } from 'node:stream';
import { waitFor } from './wait.js';

/** `size` bytes numbered by `n` and offset: any reordering or loss shows when they are read back. */
export function numbered(n: number, size: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i + 4 <= size; i += 4) bytes.writeUInt32BE((n * 1_000_000 + i) >>> 0, i);
  return bytes;
}

export function byteLength(parts: readonly Buffer[]): number {
  return parts.reduce((sum, part) => sum + part.length, 0);
}

/** Keeps what `source` emits from now on; `until` waits until `total` bytes have come and gives them joined. */
export function collect(source: Readable): { all(): Buffer; until(total: number, what: string): Promise<Buffer> } {
  const received: Buffer[] = [];
  source.on('data', (data: Buffer) => received.push(data));
  return {
    all: () => Buffer.concat(received),
    until: async (total, what) => {
      await waitFor(() => byteLength(received) >= total || undefined, what);
      return Buffer.concat(received);
    },
  };
}
