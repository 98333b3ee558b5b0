// `npm run bench:ingest` results as Markdown tables (stdout and docs) and JSON (bench/results/).
import { cpus } from 'node:os';
import { f0, f1, f2, markdown, median, ratio, saveResults as save, spread } from './table.js';

export type IngestCase = 'sluice-rtmp' | 'sluice-srt' | 'sluice-rtsp' | 'baseline-rtmp' | 'baseline-srt' | 'srs-rtmp' | 'srs-srt';
export const INGEST_CASES: readonly IngestCase[] = ['sluice-rtmp', 'sluice-srt', 'sluice-rtsp', 'baseline-rtmp', 'baseline-srt', 'srs-rtmp', 'srs-srt'];
const LABELS: Record<IngestCase, string> = {
  'sluice-rtmp': 'sluice RTMP',
  'sluice-srt': 'sluice SRT',
  'sluice-rtsp': 'sluice RTSP',
  'baseline-rtmp': 'baseline RTMP',
  'baseline-srt': 'baseline SRT',
  'srs-rtmp': 'srs RTMP',
  'srs-srt': 'srs SRT',
};

export interface IngestRun {
  case: IngestCase;
  run: number;
  /** The machine's CPU use (% of one core) in the 2 s before the case started: others' work. */
  machineCpuBefore: number;
  /** Streams the server's API listed as published, with video and audio, after the window. */
  streamsLive?: number;
  /** Audio + video payload the publishers sent, Mbit/s, all streams: the same for every case. */
  mediaMbps?: number;
  /** What the server counted as received (its API's recv_bytes over the window), Mbit/s. */
  receivedMbps?: number;
  /** Server process tree, % of one core over the window. */
  cpuPercent?: number;
  cpuSystemPercent?: number;
  rssAvgMiB?: number;
  /** The ffmpeg publishers together, % of one core (not counted for the server). */
  publishersCpuPercent?: number;
  machineCpuPercent?: number;
  config?: string;
  error?: string;
}

const perMbps = (r: IngestRun) => (r.cpuPercent ?? NaN) / (r.mediaMbps ?? NaN);

function runRow(r: IngestRun): string[] {
  const label = `${LABELS[r.case]} #${r.run}`;
  if (r.error || r.cpuPercent === undefined) return [label, `failed: ${r.error ?? 'no result'}`, '', '', '', '', '', '', ''];
  return [
    label,
    `${r.streamsLive}`,
    `${f1(r.mediaMbps)} / ${f1(r.receivedMbps)}`,
    `${f1(r.cpuPercent)} (${f1(r.cpuSystemPercent)})`,
    f2(perMbps(r)),
    f1(r.rssAvgMiB),
    f1(r.publishersCpuPercent),
    f0(r.machineCpuBefore),
    f0(r.machineCpuPercent),
  ];
}

/** Median CPU % per Mbps of each case over its runs. */
function medians(runs: IngestRun[]): Map<IngestCase, number> {
  const out = new Map<IngestCase, number>();
  for (const c of INGEST_CASES) {
    const ok = runs.filter((r) => r.case === c && !r.error);
    if (ok.length) out.set(c, median(ok.map(perMbps)));
  }
  return out;
}

export function formatReport(runs: IngestRun[]): string {
  const perRun = markdown([
    ['case, run', 'streams live', 'media / received Mbit/s', 'server CPU % of 1 core (sys)', 'CPU % per Mbit/s', 'RSS avg MiB', 'publishers CPU %', 'machine CPU % before', `machine CPU % in window (of ${cpus().length * 100})`],
    ...runs.map(runRow),
  ]);
  const m = medians(runs);
  const summary = markdown([
    ['case', 'CPU % per Mbit/s (median)', 'runs'],
    ...[...m].map(([c, v]) => [LABELS[c], f2(v), spread(runs.filter((r) => r.case === c && !r.error).map(perMbps), 2)]),
  ]);
  const pairs: [IngestCase, IngestCase][] = [
    ['sluice-srt', 'sluice-rtmp'], ['sluice-rtsp', 'sluice-rtmp'], ['baseline-srt', 'baseline-rtmp'], ['srs-srt', 'srs-rtmp'],
    ['sluice-srt', 'srs-srt'], ['sluice-rtmp', 'srs-rtmp'], ['sluice-srt', 'baseline-srt'], ['sluice-rtmp', 'baseline-rtmp'],
  ];
  const ratios = markdown([
    ['ratio of CPU per Mbit/s (medians)', 'value'],
    ...pairs.filter(([a, b]) => m.has(a) && m.has(b)).map(([a, b]) => [`${LABELS[a]} / ${LABELS[b]}`, ratio(m.get(a), m.get(b))]),
  ]);
  return `${perRun}\n\n${summary}\n\n${ratios}`;
}

/** Writes bench/results/ingest-<time>.json and returns its path. */
export function saveResults(runs: IngestRun[], options: object, peers: string[]): string {
  return save('ingest', { peers, options, runs });
}
