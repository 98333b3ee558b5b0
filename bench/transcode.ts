// CPU of one audio transcoder (one ffmpeg child per stream), fed in real time: AAC 44.1 kHz
// stereo to Opus (an RTMP publish played over WHEP) and Opus to AAC (a WHIP publish played over
// RTMP/HLS). Prints the child's CPU in % of one core over the window, Node's own CPU for the
// framing, and the median delay from an input frame to the output that begins at its timestamp.
//   node --import tsx bench/transcode.ts [seconds]
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { silentLogger } from '../src/util/logger.js';
import { createAacToOpus, createOpusToAac, type AudioTranscoder } from '../src/transcode/index.js';
import { aacTone, opusTone } from '../test/support/audio-fixtures.js';
import { PidsCpuMonitor } from './proc.js';

const seconds = Number(process.argv[2] ?? 20);
const WARM_UP_MS = 2000;

interface Figures {
  childCpuPercent: number;
  nodeCpuPercent: number;
  medianDelayMs: number;
  rssKiB: number;
  pssKiB: number;
}

async function measure(transcoder: AudioTranscoder, frames: Buffer[], frameMs: number): Promise<Figures> {
  const written: Array<[number, number]> = [];
  const delays: number[] = [];
  transcoder.onOutput(({ timestamp }) => {
    while (written.length > 1 && written[1]![0] <= timestamp) written.shift();
    if (written.length > 0 && written[0]![0] <= timestamp) delays.push(Date.now() - written[0]![1]);
  });
  const start = Date.now();
  let index = 0;
  let window: { child: PidsCpuMonitor; cpu: NodeJS.CpuUsage; at: number } | undefined;
  // Real time: each frame is written when the clock reaches it, as a live publisher sends it.
  while (Date.now() - start < WARM_UP_MS + seconds * 1000) {
    const timestamp = Math.round(index * frameMs);
    if (Date.now() - start >= timestamp) {
      written.push([timestamp, Date.now()]);
      transcoder.write({ timestamp, data: frames[index % frames.length]! });
      index++;
      continue;
    }
    if (!window && Date.now() - start >= WARM_UP_MS) {
      window = { child: new PidsCpuMonitor([transcoder.stats.pid!]), cpu: process.cpuUsage(), at: Date.now() };
      window.child.start();
    }
    await sleep(Math.max(1, timestamp - (Date.now() - start)));
  }
  const pid = transcoder.stats.pid!;
  const elapsed = (Date.now() - window!.at) / 1000;
  const node = process.cpuUsage(window!.cpu);
  // Proportional set size: the shared libraries of several ffmpeg children are counted once.
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const rss = Number(/Rss:\s+(\d+)/.exec(rollup)?.[1] ?? 0);
  const pss = Number(/Pss:\s+(\d+)/.exec(rollup)?.[1] ?? 0);
  const figures = {
    childCpuPercent: window!.child.stop(),
    nodeCpuPercent: (100 * (node.user + node.system)) / 1e6 / elapsed,
    medianDelayMs: delays.sort((a, b) => a - b)[delays.length >> 1] ?? NaN,
    rssKiB: rss,
    pssKiB: pss,
  };
  await transcoder.close();
  return figures;
}

const log = silentLogger();
const aac = await aacTone(10);
const aacToOpus = await measure(createAacToOpus({ log, audioSpecificConfig: aac.config }), aac.frames, (1024 * 1000) / 44100);
const opus = await opusTone(10, 2);
const opusToAac = await measure(createOpusToAac({ log, channels: 2 }), opus, 20);
const row = (name: string, f: Figures): string =>
  `${name.padEnd(12)} ffmpeg ${f.childCpuPercent.toFixed(2)}% of a core, node ${f.nodeCpuPercent.toFixed(2)}%, rss ${(f.rssKiB / 1024).toFixed(1)} MiB (pss ${(f.pssKiB / 1024).toFixed(1)}), median delay ${f.medianDelayMs} ms`;
console.log(`one transcoder per stream, ${seconds} s in real time (after ${WARM_UP_MS / 1000} s warm-up)`);
console.log(row('AAC->Opus', aacToOpus));
console.log(row('Opus->AAC', opusToAac));
