// `npm run bench:webrtc` results as a Markdown table and as JSON (bench/results/).
import { cpus } from 'node:os';
import type { Usage } from '../proc.js';
import { f0, f1, markdown, ratio, saveResults } from '../table.js';
import type { RtcServerName } from './servers.js';
import type { ReceiverSummary } from './summary.js';

export interface RtcCaseResult {
  name: RtcServerName;
  machineIdlePercentBefore: number;
  /** The 1-minute load average when the window ended: the other work sharing the machine. */
  loadAverage?: number;
  server?: Usage;
  machineCpuPercent?: number;
  /** The bench process (all receivers), percent of one core. */
  loadCpuPercent?: number;
  summary?: ReceiverSummary;
  /** `sluice-workers`: the primary's CPU, then each worker's, each on its own. */
  processes?: Array<{ pid: number; cpuPercent: number }>;
  error?: string;
}


/**
 * Server CPU time per RTP packet the receivers got: on a machine too busy to give a server all the
 * CPU it asks for, CPU % shows its share, and this shows what it did with it.
 */
function cpuPerPacketUs(r: RtcCaseResult, seconds: number): number | undefined {
  if (!r.server || !r.summary?.packets) return undefined;
  return (r.server.cpuPercent / 100) * seconds * 1e6 / r.summary.packets;
}

const HEADER = [
  'server', 'receivers ok / failed', 'CPU % of 1 core (sys)', 'CPU µs per packet delivered', 'RSS avg / peak MiB', 'packets received', 'lost (%)', 'NACKs sent',
  'delay p50 / p99 ms', 'jitter ms', 'kbps per receiver', 'receivers CPU %', `machine CPU % (of ${cpus().length * 100}; idle before)`, 'load avg',
];

function row(r: RtcCaseResult, seconds: number): string[] {
  const s = r.summary;
  if (!s || !r.server) return [r.name, `failed: ${r.error ?? 'no result'}`, ...HEADER.slice(2).map(() => '')];
  const lostPercent = s.packets + s.lost > 0 ? (100 * s.lost) / (s.packets + s.lost) : 0;
  return [
    r.name + (r.error ? ` (${r.error})` : ''),
    `${s.receiversOk} / ${s.receiversFailed}`,
    `${f1(r.server.cpuPercent)} (${f1(r.server.cpuSystemPercent)})`,
    f1(cpuPerPacketUs(r, seconds)),
    `${f1(r.server.rssAvgMiB)} / ${f1(r.server.rssPeakMiB)}`,
    `${s.packets}`,
    `${s.lost} (${lostPercent.toFixed(3)})`,
    `${s.nacksSent}`,
    `${f1(s.delayP50Ms)} / ${f1(s.delayP99Ms)}`,
    f1(s.jitterMs),
    f0(s.kbpsMedian),
    f1(r.loadCpuPercent),
    `${f0(r.machineCpuPercent)} (${f0(r.machineIdlePercentBefore)})`,
    f1(r.loadAverage),
  ];
}


export function formatRtcReport(results: RtcCaseResult[], seconds: number): string {
  const tables = [markdown([HEADER, ...results.map((r) => row(r, seconds))])];
  const sluice = results.filter((r) => r.name === 'sluice' && r.summary);
  const srs = results.filter((r) => r.name === 'srs' && r.summary);
  const ratios = [['Sluice / SRS (round)', 'CPU', 'CPU per packet', 'RSS avg', 'delay p99', 'packets received']];
  for (let i = 0; i < Math.min(sluice.length, srs.length); i++) {
    const [a, b] = [sluice[i]!, srs[i]!];
    ratios.push([`${i + 1}`, ratio(a.server?.cpuPercent, b.server?.cpuPercent), ratio(cpuPerPacketUs(a, seconds), cpuPerPacketUs(b, seconds)), ratio(a.server?.rssAvgMiB, b.server?.rssAvgMiB),
      ratio(a.summary?.delayP99Ms, b.summary?.delayP99Ms), ratio(a.summary?.packets, b.summary?.packets)]);
  }
  if (ratios.length > 1) tables.push(markdown(ratios));
  const workers = workerRows(results);
  if (workers.length > 1) tables.push(markdown(workers));
  const failures = results.filter((r) => r.summary?.errors.length).map((r) => `${r.name} receivers failed: ${r.summary!.errors.join('; ')}`);
  return [...tables, ...failures].join('\n\n');
}

/**
 * `workers 2` against one process: each worker's CPU and how far the busiest is from their mean,
 * and the whole server's CPU (with the Opus transcoder each worker runs) against the one-process
 * case run last before it.
 */
function workerRows(results: RtcCaseResult[]): string[][] {
  const rows = [['workers 2 (round)', 'primary CPU %', 'workers CPU %', 'max off mean', 'total CPU %', 'total / one process']];
  results.forEach((r, at) => {
    if (r.name !== 'sluice-workers' || !r.processes || !r.server) return;
    const [primary, ...workers] = r.processes;
    const mean = workers.reduce((sum, w) => sum + w.cpuPercent, 0) / workers.length;
    const off = Math.max(...workers.map((w) => Math.abs(w.cpuPercent - mean))) / mean;
    const single = results.slice(0, at).reverse().find((x) => x.name === 'sluice' && x.server);
    rows.push([`${rows.length}`, f1(primary?.cpuPercent), workers.map((w) => f1(w.cpuPercent)).join(' / '), `${(100 * off).toFixed(1)} %`, f1(r.server.cpuPercent), single ? ratio(r.server.cpuPercent, single.server!.cpuPercent) : '-']);
  });
  return rows;
}

export function saveRtcResults(results: RtcCaseResult[], options: object): string {
  return saveResults('webrtc', { options, results });
}
