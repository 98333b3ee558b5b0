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
  const failures = results.filter((r) => r.summary?.errors.length).map((r) => `${r.name} receivers failed: ${r.summary!.errors.join('; ')}`);
  return [...tables, ...failures].join('\n\n');
}

export function saveRtcResults(results: RtcCaseResult[], options: object): string {
  return saveResults('webrtc', { options, results });
}
