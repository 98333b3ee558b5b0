// `npm run bench:worker-relay`: the CPU one frame costs to cross from one worker to another
// (RelayOut -> Unix socket -> RelayIn -> the receiving hub), against the CPU of the same frame
// pushed into a hub with no reader. Both ends run in this process, so their sum is measured.
// See docs/WORKERS.md for how the figure is used.
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RelayIn } from '../src/app/workers/relay-in.js';
import { RelayOut } from '../src/app/workers/relay-out.js';
import { RelayUpstream } from '../src/app/workers/relay-upstream.js';
import { StreamHub } from '../src/hub/stream-hub.js';
import type { StreamReader } from '../src/hub/reader.js';
import type { MediaFrame } from '../src/media/frame.js';
import { createLogger } from '../src/util/logger.js';

const FRAMES = Number(process.argv[2] ?? 20_000);
const BODY = 2500; // ~1 Mbit/s of video at 50 frames/s
const options = { gopCache: true, gopCacheMaxFrames: 2500, queueLengthSeconds: 10, mergedWriteMs: 0 };
const logger = createLogger('warn');
const publisher = (id: string, session = {} as never) => ({ id, protocol: 'bench', session, close: () => {} });

function frame(i: number): MediaFrame {
  return { kind: 'video', timestamp: i * 20, body: Buffer.alloc(BODY, i & 0xff), keyframe: i % 50 === 0, sequenceHeader: false };
}

/** Counts what reaches the receiving hub, so the run knows when every frame arrived. */
class Counter implements StreamReader {
  readonly id = 'counter';
  count = 0;
  constructor(private readonly done: () => void) {}
  enqueue(): boolean {
    if (++this.count === FRAMES) this.done();
    return false;
  }
  flush(): void {}
  resync(): void {}
}

async function relayed(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-relay-bench-'));
  const path = join(dir, 'link.sock');
  const hubA = new StreamHub(() => options, () => {});
  const hubB = new StreamHub(() => options, () => {});
  const streamB = hubB.acquire('v', 'live', 'cam');
  let arrived!: () => void;
  const all = new Promise<void>((resolve) => (arrived = resolve));
  const counter = new Counter(() => arrived());
  streamB.addReader(counter);
  const server = createServer((socket) => new RelayIn(socket, hubB, new RelayUpstream(logger), logger));
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const socket: Socket = connect(path);
  await new Promise((resolve) => socket.once('connect', resolve));
  const streamA = hubA.acquire('v', 'live', 'cam');
  streamA.attachPublisher(publisher('a'));
  const out = new RelayOut(1, socket, JSON.stringify(['v', 'live', 'cam']));
  out.control('publish', 'rtmp');
  streamA.addReader(out);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const start = process.cpuUsage();
  for (let i = 0; i < FRAMES; i++) {
    streamA.push(frame(i));
    streamA.flush();
    // Let the socket drain, as a live stream's pacing would, before the link counts as slow.
    while (socket.writableLength > 64 * 1024) await new Promise((resolve) => setImmediate(resolve));
  }
  await all;
  const used = process.cpuUsage(start);
  socket.destroy();
  server.close();
  rmSync(dir, { recursive: true, force: true });
  return (used.user + used.system) / FRAMES;
}

function pushedOnly(): number {
  const hub = new StreamHub(() => options, () => {});
  const stream = hub.acquire('v', 'live', 'cam');
  stream.attachPublisher(publisher('a'));
  const start = process.cpuUsage();
  for (let i = 0; i < FRAMES; i++) {
    stream.push(frame(i));
    stream.flush();
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / FRAMES;
}

const base = pushedOnly();
const relay = await relayed();
console.log(`${FRAMES} frames of ${BODY} bytes`);
console.log(`push into a hub, no reader: ${base.toFixed(2)} us CPU per frame`);
console.log(`relayed to another hub over a Unix socket (both ends): ${relay.toFixed(2)} us CPU per frame`);
console.log(`the relay's own cost: ${(relay - base).toFixed(2)} us per frame per receiving worker`);
