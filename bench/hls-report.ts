// `npm run bench:hls` results as a Markdown table (stdout and docs) and as JSON (bench/results/).
import { cpus } from 'node:os';
import type { HlsServerName } from './hls-servers.js';
import type { StreamSegments } from './hls-playlists.js';
import { f0, f1, f2, markdown, ratio, saveResults as save } from './table.js';

export interface HlsResult {
  server: HlsServerName;
  label: string;
  /** The machine's CPU use (% of one core) in the 2 s before the server started: others' work. */
  machineCpuBefore: number;
  /** Server process tree, % of one core over the window. */
  cpuPercent?: number;
  cpuPercentPerStream?: number;
  rssAvgMiB?: number;
  rssPeakMiB?: number;
  /** The bench process itself (publishers and playlist reads), % of one core. */
  publishersCpuPercent?: number;
  /** Everything the machine did in the window, % of one core. */
  machineCpuPercent?: number;
  streams?: StreamSegments[];
  error?: string;
}


const HEADER = [
  'server', 'CPU % (1 core)', 'CPU % per stream', 'RSS avg / peak MiB', 'segments per stream min / max',
  'avg segment s', 'TS kbit/s per stream', 'publishers CPU %', `machine CPU % (of ${cpus().length * 100})`,
];

function row(r: HlsResult, seconds: number): string[] {
  if (r.error || !r.streams) return [r.label, `failed: ${r.error ?? 'no result'}`, ...HEADER.slice(2).map(() => '')];
  const counts = r.streams.map((s) => s.segments);
  const segments = counts.reduce((a, b) => a + b, 0);
  const mediaSeconds = r.streams.reduce((sum, s) => sum + s.mediaSeconds, 0);
  const bytes = r.streams.reduce((sum, s) => sum + s.bytes, 0);
  return [
    r.label,
    f1(r.cpuPercent),
    f2(r.cpuPercentPerStream),
    `${f1(r.rssAvgMiB)} / ${f1(r.rssPeakMiB)}`,
    `${Math.min(...counts)} / ${Math.max(...counts)}`,
    f2(segments ? mediaSeconds / segments : NaN),
    f0((bytes * 8) / 1000 / seconds / r.streams.length),
    f1(r.publishersCpuPercent),
    f0(r.machineCpuPercent),
  ];
}

export function formatReport(results: HlsResult[], seconds: number): string {
  const table = markdown([HEADER, ...results.map((r) => row(r, seconds))]);
  const sluice = results.find((r) => r.server === 'sluice' && !r.error);
  const nginx = results.find((r) => r.server === 'nginx' && !r.error);
  if (!sluice || !nginx) return table;
  const ratios = [
    ['ratio', 'CPU per stream', 'RSS avg'],
    ['Sluice / nginx-rtmp', ratio(sluice.cpuPercentPerStream, nginx.cpuPercentPerStream), ratio(sluice.rssAvgMiB, nginx.rssAvgMiB)],
  ];
  return `${table}\n\n${markdown(ratios)}`;
}

/** Writes bench/results/hls-<time>.json and returns its path. */
export function saveResults(results: HlsResult[], options: object): string {
  return save('hls', { options, results });
}
