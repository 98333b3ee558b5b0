// The soak's verdict against its goal, its tables (stdout and docs) and its JSON (bench/results/).
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { STALL_MS, type SoakMinute, type SoakPlayer } from './load/protocol.js';
import type { Usage } from './proc.js';
import type { MemorySample } from './soak-memory.js';
import type { SoakOptions } from './soak-args.js';
import { fixed, markdown, median } from './table.js';

/** The goal: RSS at the end at most this much above RSS after the first minute. */
const MAX_RSS_GROWTH_PERCENT = 5;

export interface SoakSampleRow extends MemorySample {
  seconds: number;
  playersConnected: number;
  playersStalledNow: number;
  bytesReceived: number;
}

export interface SoakMinuteRow extends SoakMinute {
  minute: number;
  server: Usage;
  load: Usage;
  /** The whole machine, in % of one core: the server, the load and everyone else's work. */
  machineCpuPercent: number;
  rssMiB: number;
  heapUsedMiB?: number;
  externalMiB?: number;
  playersConnected: number;
}

export interface SoakVerdict {
  pass: boolean;
  /** What failed, one line each. */
  failures: string[];
  rssAt1MinMiB: number;
  rssEndMiB: number;
  rssPeakMiB: number;
  rssGrowthPercent: number;
  /** RSS growth from minute 5 to the end: the steady state, once the heap has grown to its working size. */
  rssGrowthAfter5MinPercent: number;
  heapAt1MinMiB?: number;
  heapEndMiB?: number;
  playersAtEnd: number;
  dropped: number;
  stalled: number;
}

export interface SoakRun {
  date: string;
  label: string;
  options: SoakOptions;
  /** Where the server's heap snapshots go (`--heap-snapshots`): one after the first minute, one at the end. */
  heapSnapshotDir?: string;
  /** The machine's CPU use (% of one core) in the 2 s before the server started. */
  machineCpuBefore?: number;
  connected?: number;
  connectFailures?: string[];
  samples: SoakSampleRow[];
  minutes: SoakMinuteRow[];
  players: SoakPlayer[];
  published?: { bytes: number; frames: number };
  error?: string;
  verdict?: SoakVerdict;
}

const f0 = fixed(0);
const f1 = fixed(1);

export function soakVerdict(run: SoakRun): SoakVerdict {
  const first = run.samples.find((s) => s.seconds >= 60);
  const last = run.samples.at(-1);
  const rssAt1MinMiB = first?.rssMiB ?? NaN;
  const rssEndMiB = last?.rssMiB ?? NaN;
  const growth = (from: number | undefined) => (100 * (rssEndMiB - (from ?? NaN))) / (from ?? NaN);
  const rssGrowthPercent = growth(rssAt1MinMiB);
  const dropped = run.players.filter((p) => p.lost).length;
  const stalled = run.players.filter((p) => !p.lost && p.longestGapMs > STALL_MS).length;
  const playersAtEnd = run.players.length - dropped;
  const failures = [
    run.error && `run failed: ${run.error}`,
    run.connected !== run.options.players && `${run.connected ?? 0} of ${run.options.players} players connected`,
    !(rssGrowthPercent <= MAX_RSS_GROWTH_PERCENT) && `RSS grew ${f1(rssGrowthPercent)} % after the first minute (at most ${MAX_RSS_GROWTH_PERCENT} %)`,
    dropped > 0 && `${dropped} players dropped`,
    stalled > 0 && `${stalled} players stalled (no media for more than ${STALL_MS / 1000} s)`,
  ].filter((line): line is string => typeof line === 'string');
  return {
    pass: failures.length === 0,
    failures,
    rssAt1MinMiB,
    rssEndMiB,
    rssPeakMiB: Math.max(...run.samples.map((s) => s.rssMiB), ...run.minutes.map((m) => m.server.rssPeakMiB)),
    rssGrowthPercent,
    rssGrowthAfter5MinPercent: growth(run.samples.find((s) => s.seconds >= 300)?.rssMiB),
    heapAt1MinMiB: first?.heapUsedMiB,
    heapEndMiB: last?.heapUsedMiB,
    playersAtEnd,
    dropped,
    stalled,
  };
}

const MINUTE_HEADER = [
  'minute', 'server CPU % of 1 core (sys)', 'RSS MiB', 'heap / external MiB', 'latency p50 / p99 / max ms', 'players connected',
  'load CPU % / loop delay p99 ms', `machine CPU % (of ${cpus().length * 100})`,
];

function minuteRow(m: SoakMinuteRow): string[] {
  return [
    `${m.minute}`,
    `${f1(m.server.cpuPercent)} (${f1(m.server.cpuSystemPercent)})`,
    f1(m.rssMiB),
    `${f1(m.heapUsedMiB)} / ${f1(m.externalMiB)}`,
    `${f1(m.latencyP50Ms)} / ${f1(m.latencyP99Ms)} / ${f0(m.latencyMaxMs)}`,
    `${m.playersConnected}`,
    `${f1(m.load.cpuPercent)} / ${f1(m.loopDelayP99Ms)}`,
    f0(m.machineCpuPercent),
  ];
}

/** The first minute, every fifth and the last; every minute of a short run. */
function shownMinutes(minutes: SoakMinuteRow[]): SoakMinuteRow[] {
  if (minutes.length <= 10) return minutes;
  return minutes.filter((m, i) => m.minute === 1 || m.minute % 5 === 0 || i === minutes.length - 1);
}

function playersTable(run: SoakRun): string {
  const sorted = (pick: (p: SoakPlayer) => number) => run.players.map(pick).sort((a, b) => a - b);
  const mb = (n: number | undefined) => f1(n === undefined ? undefined : n / 1e6);
  const bytes = sorted((p) => p.bytes);
  const frames = sorted((p) => p.frames);
  const gaps = sorted((p) => p.longestGapMs);
  const published = run.published;
  return markdown([
    ['players', 'bytes min / median / max MB (published)', 'video frames min / median (published)', 'longest gap without media, median / max ms'],
    [
      `${run.players.length}`,
      `${mb(bytes[0])} / ${mb(median(bytes))} / ${mb(bytes.at(-1))} (${mb(published?.bytes)})`,
      `${f0(frames[0])} / ${f0(median(frames))} (${f0(published?.frames)})`,
      `${f0(median(gaps))} / ${f0(gaps.at(-1))}`,
    ],
  ]);
}

export function formatSoak(run: SoakRun): string {
  const v = run.verdict ?? soakVerdict(run);
  const heap = v.heapAt1MinMiB === undefined ? '' : `; heap ${f1(v.heapAt1MinMiB)} -> ${f1(v.heapEndMiB)} MiB`;
  const lost = run.players.filter((p) => p.lost).map((p) => f0(p.lostAfterSeconds));
  return [
    `${run.label}, ${run.options.players} players, ${run.minutes.length} of ${run.options.minutes} min`,
    `RSS at 1 min ${f1(v.rssAt1MinMiB)} MiB, at the end ${f1(v.rssEndMiB)} MiB: ${f1(v.rssGrowthPercent)} % (from minute 5: ${f1(v.rssGrowthAfter5MinPercent)} %; peak ${f1(v.rssPeakMiB)} MiB)${heap}`,
    `players at the end ${v.playersAtEnd} of ${run.connected ?? 0} connected; dropped ${v.dropped}${lost.length ? ` (after ${lost.slice(0, 10).join(', ')} s)` : ''}; stalled ${v.stalled}`,
    '',
    markdown([MINUTE_HEADER, ...shownMinutes(run.minutes).map(minuteRow)]),
    '',
    playersTable(run),
    '',
    v.pass ? 'PASS: RSS flat, no player dropped or stalled' : `FAIL:\n${v.failures.map((f) => `  - ${f}`).join('\n')}`,
  ].join('\n');
}

/** bench/results/soak-<the run's start><suffix>. */
export function soakResultPath(date: string, suffix: string): string {
  return join('bench', 'results', `soak-${date.replace(/[:.]/g, '-')}${suffix}`);
}

/** Writes bench/results/soak-<start time>.json and returns its path. */
export function saveSoak(run: SoakRun): string {
  mkdirSync(join('bench', 'results'), { recursive: true });
  const path = soakResultPath(run.date, '.json');
  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: totalmem() / 2 ** 30, kernel: release(), node: process.version };
  writeFileSync(path, JSON.stringify({ machine, ...run }, null, 2));
  return path;
}
