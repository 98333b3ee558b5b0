// `npm run bench:srt-receive`: the CPU time Sluice's SRT receive path takes per 10k data packets,
// in process, without sockets: the ingest bench's stream as MPEG-TS cut into 1316-byte SRT data
// packets, fed to an SrtConnection at the stream's real rate on a replayed clock (ticks every
// 5 ms as the server's, an ACKACK answering each full ACK as libsrt does) and demuxed into hub
// frames. Steadier than the ingest bench on a busy machine. See docs/BENCHMARKS.md.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { encodeAckAck } from '../src/protocols/srt/control.js';
import { ControlType, Position, decodePacket, encodeData } from '../src/protocols/srt/packet.js';
import { SrtConnection } from '../src/servers/srt/srt-connection.js';
import { demuxTs } from '../src/servers/srt/srt-ingest.js';
import { ensureFixture, fixtureMediaMbps } from './fixture.js';
import { runBench } from './script.js';

const PAYLOAD = 1316;
const TICK_US = 5000;
const SOCKET_ID = 100;

/** The fixture remuxed (copied) into MPEG-TS, made once. */
function tsFixture(flvPath: string): Buffer {
  const path = join(tmpdir(), 'sluice-bench-srt-receive.ts');
  if (!existsSync(path)) {
    const run = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', flvPath, '-c', 'copy', '-f', 'mpegts', `${path}.partial`]);
    if (run.status !== 0) throw new Error(`ffmpeg failed to make the TS (${run.stderr.toString()})`);
    renameSync(`${path}.partial`, path);
  }
  return readFileSync(path);
}

/** One round: every packet through a fresh connection and demuxer; CPU µs, datagrams sent, frames out. */
function round(datagrams: Buffer[], intervalUs: number): { cpuUs: number; sent: number; frames: number } {
  let nowMs = 0;
  let sent = 0;
  let frames = 0;
  const ingest = demuxTs({ onFrame: () => frames++ });
  const peer = { address: '127.0.0.1', family: 'IPv4' as const, port: 1, size: 0 };
  const terms = { socketId: SOCKET_ID, peerId: 7, peer, initialSeq: 0, sendLatencyMs: 120, receiveLatencyMs: 120, tooLateDrop: true, maxBandwidth: 125_000_000, flowWindow: 8192, idleTimeoutMs: 10_000, keys: undefined };
  const acks: number[] = [];
  const connection = new SrtConnection(
    terms,
    (datagram) => {
      sent++;
      const packet = decodePacket(datagram);
      if (packet.kind === 'control' && packet.type === ControlType.Ack && packet.body.length > 4) acks.push(packet.info);
    },
    (payload) => ingest.push(payload),
    () => undefined,
    () => undefined,
    () => nowMs,
  );
  const start = process.cpuUsage();
  let nextTickUs = TICK_US;
  for (let i = 0; i < datagrams.length; i++) {
    const atUs = i * intervalUs;
    while (nextTickUs <= atUs) {
      nowMs = nextTickUs / 1000;
      connection.tick();
      for (const ackNumber of acks.splice(0)) connection.receive(encodeAckAck(ackNumber, 0, SOCKET_ID));
      nextTickUs += TICK_US;
    }
    nowMs = atUs / 1000;
    connection.receive(datagrams[i]!);
  }
  const used = process.cpuUsage(start);
  ingest.end();
  return { cpuUs: used.user + used.system, sent, frames };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '7' } } });
  const rounds = Number(values.rounds);
  const flvPath = ensureFixture('3mbps');
  const ts = tsFixture(flvPath);
  const tsMbps = (ts.length * 8) / 1e6 / 60;
  const datagrams: Buffer[] = [];
  for (let at = 0, seq = 0; at + PAYLOAD <= ts.length; at += PAYLOAD, seq++) {
    const payload = ts.subarray(at, at + PAYLOAD);
    datagrams.push(encodeData({ seq, position: Position.Solo, inOrder: false, keyFlag: 0, retransmitted: false, messageNumber: seq + 1, timestamp: 0, destinationId: SOCKET_ID, payload }));
  }
  const intervalUs = 60e6 / datagrams.length; // the fixture's 60 s at its own rate
  datagrams.forEach((d, i) => d.writeUInt32BE(Math.round(i * intervalUs), 8));
  console.log(`srt receive: ${datagrams.length} packets of ${PAYLOAD} bytes (${tsMbps.toFixed(2)} Mbit/s of TS, ${(await fixtureMediaMbps(flvPath)).toFixed(2)} of media), one every ${intervalUs.toFixed(0)} µs, ${rounds} rounds`);
  const results = Array.from({ length: rounds }, () => round(datagrams, intervalUs));
  const per10k = results.map((r) => (r.cpuUs / datagrams.length) * 10_000 / 1000).sort((a, b) => a - b);
  const { sent, frames } = results[0]!;
  console.log(`CPU ms per 10k packets: median ${per10k[Math.floor(rounds / 2)]!.toFixed(1)} (rounds ${per10k.map((v) => v.toFixed(1)).join(', ')})`);
  console.log(`datagrams sent per 10k packets: ${((sent / datagrams.length) * 10_000).toFixed(0)}; frames out: ${frames}`);
}

runBench(main);
