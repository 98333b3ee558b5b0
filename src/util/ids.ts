import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/**
 * Client ids as SRS gives them (8 characters of [0-9a-z]). Under workers each worker's ids start
 * with its own prefix, so no two workers can give the same id.
 */
export class ClientIds {
  constructor(private readonly prefix = '') {}

  next(): string {
    return this.prefix + randomId(8 - this.prefix.length);
  }
}

/** The id prefix of worker `index` (1-based) of `count`: its number in base 36, as wide as the last one's. */
export function workerIdPrefix(index: number, count: number): string {
  return index.toString(36).padStart(count.toString(36).length, '0');
}

/** The worker (1-based, of `count`) that gave a client id; undefined for an id none of them gave. */
export function workerOfId(id: string, count: number): number | undefined {
  const width = count.toString(36).length;
  const index = id.length === 8 ? Number.parseInt(id.slice(0, width), 36) : Number.NaN;
  return index >= 1 && index <= count ? index : undefined;
}

/** A short random id such as `13291532` or `12d995vu` (the shape SRS gives client ids). */
export function randomId(length = 8): string {
  const bytes = randomBytes(length);
  let id = '';
  for (const byte of bytes) id += ALPHABET[byte % ALPHABET.length];
  return id;
}
