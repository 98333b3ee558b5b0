// The results as a Markdown table (stdout and docs) and as JSON (bench/results/).
import { cpus } from 'node:os';
import type { BenchOptions } from './args.js';
import type { CaseResult } from './run-case.js';
import { f0, f1, markdown, median, ratio, saveResults as save, spread } from './table.js';

const HEADER = [
  'server', 'players ok / failed / lost', 'CPU % of 1 core (sys)', 'RSS avg / peak MiB', 'latency p50 / p99 ms',
  'player kbps min / median (published)', 'players >= 95 %', 'frames missed', 'load CPU % (sys) / loop delay p99 ms',
  `machine CPU % (of ${cpus().length * 100})`,
];

function row(r: CaseResult): string[] {
  const s = r.summary;
  if (r.error || !s || !r.server || !r.load || r.machineCpuPercent === undefined) return [r.label, `failed: ${r.error ?? 'no result'}`, ...HEADER.slice(2).map(() => '')];
  const missedPercent = s.framesExpected ? (100 * s.framesMissed) / s.framesExpected : 0;
  return [
    r.label,
    `${s.playersConnected} / ${s.playersFailed} / ${s.playersLost}`,
    `${f1(r.server.cpuPercent)} (${f1(r.server.cpuSystemPercent)})`,
    `${f1(r.server.rssAvgMiB)} / ${f1(r.server.rssPeakMiB)}`,
    `${f1(s.latencyP50Ms)} / ${f1(s.latencyP99Ms)}`,
    `${f0(s.playerKbpsMin)} / ${f0(s.playerKbpsMedian)} (${f0(s.publishedKbps)})`,
    `${s.playersAtFullRate}`,
    `${s.framesMissed} (${missedPercent.toFixed(2)} %)`,
    `${f1(r.load.cpuPercent)} (${f1(r.load.cpuSystemPercent)}) / ${f1(s.loopDelayP99Ms)}`,
    f0(r.machineCpuPercent),
  ];
}

/** Sluice's CPU, average RSS and p99 latency divided by each peer's of the same round. */
function ratios(results: CaseResult[]): string[][] {
  const ok = results.filter((r) => r.summary && r.server);
  const rounds = new Set(ok.map((r) => r.round)).size;
  const rows = [['Sluice / peer', 'CPU', 'RSS avg', 'latency p99']];
  for (const s of ok.filter((r) => r.kind === 'sluice')) {
    for (const p of ok.filter((r) => r.kind !== 'sluice' && r.round === s.round)) {
      rows.push([
        `${s.label} / ${p.label}${rounds > 1 ? ` (round ${(s.round ?? 0) + 1})` : ''}`,
        ratio(s.server!.cpuPercent, p.server!.cpuPercent),
        ratio(s.server!.rssAvgMiB, p.server!.rssAvgMiB),
        ratio(s.summary!.latencyP99Ms, p.summary!.latencyP99Ms),
      ]);
    }
  }
  return rows;
}

/**
 * With several rounds: each case's median CPU and p99 over its rounds (with their spread), and
 * Sluice's medians against each peer's, the figure to read where rounds disagree.
 */
function medianRows(results: CaseResult[]): string[][] {
  const ok = results.filter((r) => r.summary && r.server && !r.apiPoll);
  const labels = [...new Set(ok.map((r) => r.label))];
  const of = (label: string) => {
    const runs = ok.filter((r) => r.label === label);
    const cpu = runs.map((r) => r.server!.cpuPercent);
    const p99 = runs.map((r) => r.summary!.latencyP99Ms);
    return { kind: runs[0]!.kind, runs: runs.length, cpu, p99, cpuMedian: median(cpu), p99Median: median(p99) };
  };
  const cases = new Map(labels.map((label) => [label, of(label)]));
  const rows = [['case (median of rounds)', 'rounds', 'CPU % (range)', 'p99 ms (range)', 'against', 'CPU ratio', 'p99 ratio']];
  for (const [label, c] of cases) {
    const line = [label, `${c.runs}`, `${f1(c.cpuMedian)} (${spread(c.cpu, 1)})`, `${f1(c.p99Median)} (${spread(c.p99, 1)})`];
    const peers = c.kind === 'sluice' ? [...cases].filter(([, p]) => p.kind !== 'sluice') : [];
    if (peers.length === 0) rows.push([...line, '', '', '']);
    for (const [peer, p] of peers) rows.push([...line, peer, ratio(c.cpuMedian, p.cpuMedian), ratio(c.p99Median, p.p99Median)]);
  }
  return rows;
}

/** The polled API's answer times, and what the polling added to the players' p99 at the same window. */
function apiRows(results: CaseResult[]): string[][] {
  const rows = [['polled case', 'polls (failed)', 'clients listed', 'API p50 / p99 / max ms', 'player latency p99 ms: polled / not polled']];
  for (const polled of results.filter((r) => r.api && r.summary)) {
    const plain = results.find((r) => r.kind === 'sluice' && !r.apiPoll && !r.cli && r.mwLatencyMs === polled.mwLatencyMs && r.summary);
    const a = polled.api!;
    rows.push([
      polled.label,
      `${a.polls} (${a.failures})`,
      `${a.clientsListed}`,
      `${f1(a.p50Ms)} / ${f1(a.p99Ms)} / ${f1(a.maxMs)}`,
      `${f1(polled.summary!.latencyP99Ms)} / ${f1(plain?.summary?.latencyP99Ms)}`,
    ]);
  }
  return rows;
}

/**
 * `workers N` cases: the primary's and each worker's CPU, how far the busiest worker is from the
 * workers' mean, and the whole server's CPU against the one-process case at the same mw.
 */
function workerRows(results: CaseResult[]): string[][] {
  const rows = [['workers case', 'primary CPU %', 'workers CPU %', 'max off mean', 'total CPU %', 'total / workers=1']];
  results.forEach((r, at) => {
    if (!r.processes || !r.server) return;
    const [primary, ...workers] = r.processes!;
    const mean = workers.reduce((sum, w) => sum + w.cpuPercent, 0) / workers.length;
    const off = Math.max(...workers.map((w) => Math.abs(w.cpuPercent - mean))) / mean;
    // The one-process case of the same round: the one run last before this one.
    const single = results.slice(0, at).reverse().find((x) => x.kind === 'sluice' && (x.workers ?? 1) === 1 && !x.apiPoll && !x.cli && x.mwLatencyMs === r.mwLatencyMs && x.server);
    rows.push([
      r.label,
      f1(primary?.cpuPercent),
      workers.map((w) => f1(w.cpuPercent)).join(' / '),
      `${(100 * off).toFixed(1)} %`,
      f1(r.server!.cpuPercent),
      single ? ratio(r.server!.cpuPercent, single.server!.cpuPercent) : '-',
    ]);
  });
  return rows;
}

export function formatReport(results: CaseResult[]): string {
  const tables = [markdown([HEADER, ...results.map(row)])];
  const ratioRows = ratios(results.filter((r) => !r.apiPoll));
  if (ratioRows.length > 1) tables.push(markdown(ratioRows));
  if (new Set(results.map((r) => r.round)).size > 1) tables.push(markdown(medianRows(results)));
  const workers = workerRows(results);
  if (workers.length > 1) tables.push(markdown(workers));
  const api = apiRows(results);
  if (api.length > 1) tables.push(markdown(api));
  return tables.join('\n\n');
}

/** Writes bench/results/fanout-<time>.json and returns its path. */
export function saveResults(results: CaseResult[], options: BenchOptions): string {
  return save('fanout', { options, results });
}
