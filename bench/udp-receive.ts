// `npm run bench:udp-receive`: what receiving SRT-sized datagrams costs a Node process by itself,
// node:dgram (one recvmsg, one callback, one Buffer per datagram) against the batched socket of
// the udp-batch addon (recvmmsg; one call per batch). A child process sends N streams' datagrams
// in bursts, as ffmpeg's libsrt does; the receiver answers each stream every 10 ms with a small
// datagram (SRT's ACK) and does nothing else. See docs/BENCHMARKS.md.
import { fork } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { setTimeout as sleep } from 'node:timers/promises';
import { bindBatchUdp, type UdpPeer } from '../src/servers/udp-socket.js';
import { intArg } from './args.js';
import { parseFlags, runBench } from './script.js';

const USAGE = `Usage: npm run bench:udp-receive -- [--streams N] [--rate PPS] [--burst N] [--seconds S] [--rounds N]
  --streams N   senders (default 10)       --rate PPS   datagrams a second each (default 300)
  --burst N     datagrams per burst (default 10)   --seconds S  per measurement (default 10)
  --rounds N    dgram/batch pairs, alternating (default 3)
  --ack-ms N    answer each stream every N ms (default 10, SRT's ACK; 0: never)`;

interface Receiver {
  port: number;
  received: () => number;
  close: () => void;
}

/** Answers each source every `everyMs` (SRT's ACK: 10 ms; 0: never). */
function acker(everyMs: number, send: (datagram: Buffer, peer: UdpPeer) => void): { seen: (peer: UdpPeer) => void; stop: () => void } {
  const peers = new Map<string, UdpPeer>();
  const ack = Buffer.alloc(44);
  const timer = everyMs > 0 ? setInterval(() => peers.forEach((peer) => send(ack, peer)), everyMs) : undefined;
  return { seen: (peer) => void peers.set(`${peer.address}:${peer.port}`, peer), stop: () => clearInterval(timer) };
}

async function dgramReceiver(ackMs: number): Promise<Receiver> {
  const socket = createSocket('udp4');
  let count = 0;
  const acks = acker(ackMs, (datagram, peer) => socket.send(datagram, peer.port, peer.address));
  socket.on('message', (_datagram, peer) => {
    count++;
    acks.seen(peer as UdpPeer);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, received: () => count, close: () => (acks.stop(), socket.close()) };
}

async function batchReceiver(ackMs: number): Promise<Receiver> {
  let count = 0;
  const acks = acker(ackMs, (datagram, peer) => socket.send(datagram, peer));
  const socket = await bindBatchUdp('127.0.0.1', 0, {
    onMessage: (_datagram, peer) => {
      count++;
      acks.seen(peer);
    },
  });
  return { port: socket.port, received: () => count, close: () => (acks.stop(), socket.close()) };
}

/** The sender, in a child process so its CPU is not the receiver's. */
function senderScript(): void {
  const [port, streams, rate, burst] = process.argv.slice(3).map(Number) as [number, number, number, number];
  const payload = Buffer.alloc(1316 + 16, 0x47);
  for (let s = 0; s < streams; s++) {
    const socket = createSocket('udp4');
    socket.on('message', () => {}); // the ACKs
    setTimeout(() => setInterval(() => { for (let i = 0; i < burst; i++) socket.send(payload, port, '127.0.0.1'); }, (1000 * burst) / rate), (s * 1000 * burst) / rate / streams);
  }
}

async function measure(kind: 'dgram' | 'batch', o: { streams: number; rate: number; burst: number; seconds: number; ackMs: number }): Promise<{ cpuPercent: number; systemPercent: number; usPerDatagram: number; received: number }> {
  const receiver = kind === 'dgram' ? await dgramReceiver(o.ackMs) : await batchReceiver(o.ackMs);
  const child = fork(new URL(import.meta.url).pathname, ['--sender', `${receiver.port}`, `${o.streams}`, `${o.rate}`, `${o.burst}`], { execArgv: ['--import', 'tsx'] });
  try {
    await sleep(2000);
    const before = receiver.received();
    const start = process.cpuUsage();
    const startedAt = performance.now();
    await sleep(o.seconds * 1000);
    const used = process.cpuUsage(start);
    const elapsedUs = (performance.now() - startedAt) * 1000;
    const received = receiver.received() - before;
    return { cpuPercent: ((used.user + used.system) / elapsedUs) * 100, systemPercent: (used.system / elapsedUs) * 100, usPerDatagram: (used.user + used.system) / received, received };
  } finally {
    child.kill();
    receiver.close();
  }
}

async function main(): Promise<void> {
  const values = parseFlags(process.argv.slice(2), {
    streams: { type: 'string', default: '10' },
    rate: { type: 'string', default: '300' },
    burst: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    'ack-ms': { type: 'string', default: '10' },
  }, USAGE);
  const o = {
    streams: intArg('streams', values.streams, 1, 100, USAGE),
    rate: intArg('rate', values.rate, 1, 100_000, USAGE),
    burst: intArg('burst', values.burst, 1, 1000, USAGE),
    seconds: intArg('seconds', values.seconds, 1, 600, USAGE),
    ackMs: intArg('ack-ms', values['ack-ms'], 0, 1000, USAGE),
  };
  const rounds = intArg('rounds', values.rounds, 1, 20, USAGE);
  console.log(`udp receive: ${o.streams} streams x ${o.rate} datagrams/s of 1332 bytes in bursts of ${o.burst}, answered every ${o.ackMs || 'never'} ms, ${o.seconds} s per measurement`);
  const results: Record<'dgram' | 'batch', number[]> = { dgram: [], batch: [] };
  for (let round = 1; round <= rounds; round++) {
    for (const kind of ['dgram', 'batch'] as const) {
      const r = await measure(kind, o);
      results[kind].push(r.cpuPercent);
      console.log(`${kind} #${round}: ${r.cpuPercent.toFixed(2)} % of a core (sys ${r.systemPercent.toFixed(2)}), ${r.usPerDatagram.toFixed(2)} µs per datagram (${r.received} received)`);
    }
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
  console.log(`median: dgram ${median(results.dgram).toFixed(2)} %, batch ${median(results.batch).toFixed(2)} % of a core`);
}

if (process.argv[2] === '--sender') senderScript();
else runBench(main);
