import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomId } from '../util/ids.js';

/**
 * The ids SRS puts in every callback: `server_id` stays the same across restarts (kept in
 * `<data_dir>/server_id`), `service_id` changes at each start.
 */
export interface ServerIdentity {
  serverId: string;
  serviceId: string;
}

export function loadIdentity(dataDir: string): ServerIdentity {
  return { serverId: loadServerId(dataDir), serviceId: randomId(8) };
}

function loadServerId(dataDir: string): string {
  const path = join(dataDir, 'server_id');
  try {
    const saved = readFileSync(path, 'utf8').trim();
    if (/^[\w.-]{1,64}$/.test(saved)) return saved;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const id = `vid-${randomId(7)}`;
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(path, `${id}\n`);
  return id;
}

/** A new Standard Webhooks message id. */
export function webhookId(): string {
  return `msg_${randomUUID().replaceAll('-', '')}`;
}

/**
 * SRS's `stream_id`: one `vid-xxxxxxx` per stream, the same in every callback about it.
 * Bounded: the least recently used stream forgets its id once `capacity` streams are known.
 */
export class StreamIds {
  private readonly ids = new Map<string, string>();

  /**
   * With a `seed`, the id is derived from it and the key, so processes that share the seed (the
   * workers of one server) give a stream the same id.
   */
  constructor(
    private readonly capacity = 10_000,
    private readonly seed?: string,
  ) {}

  of(key: string): string {
    let id = this.ids.get(key);
    if (id !== undefined) {
      this.ids.delete(key);
    } else {
      id = this.seed === undefined ? `vid-${randomId(7)}` : derivedId(this.seed, key);
      if (this.ids.size >= this.capacity) this.ids.delete(this.ids.keys().next().value!);
    }
    this.ids.set(key, id);
    return id;
  }
}

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

function derivedId(seed: string, key: string): string {
  const digest = createHash('sha256').update(`${seed}\0${key}`).digest();
  let id = 'vid-';
  for (let i = 0; i < 7; i++) id += ALPHABET[digest[i]! % ALPHABET.length];
  return id;
}
