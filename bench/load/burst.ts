// The burst load process of `npm run bench:gate`: a publisher, then N players started evenly
// within a short spread, each timed from its TCP connect to its first audio or video message.
// Started by bench/gate.ts with a BurstConfig as JSON in argv[2]; reports over IPC.
import { readFlvFile } from '../../src/formats/flv/index.js';
import { Player } from './player.js';
import type { BurstConfig, BurstMessage } from './protocol.js';
import { Publisher } from './publisher.js';
import { MeasureWindow } from './window.js';

const config = JSON.parse(process.argv[2] ?? '{}') as BurstConfig;

// Never outlive the driver; players give up after 15 s, so this bounds the whole run.
process.on('disconnect', () => process.exit(0));
setTimeout(() => process.exit(3), config.spreadMs + 60_000).unref();

function send(msg: BurstMessage): Promise<void> {
  return new Promise((resolve) => (process.send ? process.send(msg, undefined, {}, () => resolve()) : resolve()));
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

async function run(): Promise<void> {
  const window = new MeasureWindow(); // never opened: only first-media times are measured here
  const publisher = new Publisher(config.port, await readFlvFile(config.flvPath), window);
  const players: Player[] = [];
  try {
    await publisher.start(config.app, config.stream);
    const begin = performance.now();
    const timings: Promise<number>[] = [];
    for (let i = 0; i < config.players; i++) {
      const due = begin + (i * config.spreadMs) / config.players;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      const started = performance.now();
      const player = new Player(config.port, window, publisher.sentAt);
      players.push(player);
      timings.push(player.start(config.app, config.stream).then(() => performance.now() - started));
    }
    const results = await Promise.allSettled(timings);
    if (publisher.isClosed) throw new Error('the server closed the publisher');
    const failures = new Map<string, number>();
    const firstMediaMs: number[] = [];
    for (const r of results) {
      if (r.status === 'fulfilled') firstMediaMs.push(r.value);
      else failures.set(errorText(r.reason), (failures.get(errorText(r.reason)) ?? 0) + 1);
    }
    firstMediaMs.sort((a, b) => a - b);
    const failureList = [...failures].map(([reason, count]) => `${count} x ${reason}`);
    await send({ type: 'result', summary: { playersStarted: players.length, failures: failureList, firstMediaMs } });
  } finally {
    publisher.stop();
    for (const player of players) player.stop();
  }
}

run()
  .catch((err: unknown) => send({ type: 'error', message: errorText(err) }))
  .finally(() => process.disconnect?.());
