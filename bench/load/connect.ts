// What the fan-out and soak load processes share: the IPC back to the driver, and the start of a
// run, a publisher and then the players, a batch at a time.
import { readFlvFile } from '../../src/formats/flv/index.js';
import { Player } from './player.js';
import type { LoadConfig } from './protocol.js';
import { Publisher } from './publisher.js';
import type { MeasureWindow } from './window.js';

/** Sends a message to the driver; resolves once it is written. */
export function send(msg: object): Promise<void> {
  return new Promise((resolve) => {
    if (process.send) process.send(msg, undefined, {}, () => resolve());
    else resolve();
  });
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export interface Audience {
  publisher: Publisher;
  /** Players that got their first media. */
  players: Player[];
  /** Every player made, started or not: all of them are stopped at the end. */
  all: Player[];
  /** Why players failed to start, with how many. */
  failures: Map<string, number>;
  connectSeconds: number;
}

/**
 * Publishes `config.stream`, then connects `config.players` players `config.batch` at a time, each
 * batch once the previous one has media. `audience` is filled as it goes, so the caller can stop
 * everything started even when this throws.
 */
export async function connectAudience(config: LoadConfig, window: MeasureWindow, audience: Partial<Audience> = {}): Promise<Audience> {
  const { port, app, stream } = config;
  const publisher = new Publisher(port, await readFlvFile(config.flvPath), window);
  const all: Player[] = [];
  const players: Player[] = [];
  const failures = new Map<string, number>();
  Object.assign(audience, { publisher, all, players, failures });
  await publisher.start(app, stream);
  const connectStart = performance.now();
  for (let first = 0; first < config.players; first += config.batch) {
    const count = Math.min(config.batch, config.players - first);
    const batch = Array.from({ length: count }, () => new Player(port, window, publisher.sentAt));
    all.push(...batch);
    const results = await Promise.allSettled(batch.map((p) => p.start(app, stream)));
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') players.push(batch[i]!);
      else failures.set(errorText(r.reason), (failures.get(errorText(r.reason)) ?? 0) + 1);
    });
    if (publisher.isClosed) throw new Error('the server closed the publisher');
  }
  const connectSeconds = (performance.now() - connectStart) / 1000;
  return Object.assign(audience, { connectSeconds }) as Audience;
}

/** Stops the publisher and every player made. */
export function stopAudience(audience: Partial<Audience>): void {
  audience.publisher?.stop();
  for (const player of audience.all ?? []) player.stop();
}
