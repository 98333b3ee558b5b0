// The results of `npm run bench:gate` as Markdown tables (stdout and docs) and JSON (bench/results/).
import { GATE_SERVER_LABELS, type GateServerName } from './gate-servers.js';
import type { BurstSummary } from './load/protocol.js';
import { f0, markdown, median, ratio, saveResults as save } from './table.js';

export interface GateRun {
  server: GateServerName;
  run: number;
  /** The machine's CPU use (% of one core) in the 2 s before the burst: others' work. */
  machineCpuBefore: number;
  summary?: BurstSummary;
  /** CPU time the server's process used from the first player's start to the last one's media. */
  serverCpuMs?: number;
  /** Calls the receiver got during the burst, per path. */
  calls?: Record<string, number>;
  /** TCP connections those calls came on. */
  connections?: number;
  error?: string;
}

/** Nearest-rank quantile of sorted values. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}


function p(run: GateRun, q: number): number {
  return run.summary ? quantile(run.summary.firstMediaMs, q) : NaN;
}

function runRow(r: GateRun): string[] {
  const label = `${GATE_SERVER_LABELS[r.server]} #${r.run}`;
  const s = r.summary;
  if (r.error || !s) return [label, `failed: ${r.error ?? 'no result'}`, '', '', '', '', '', ''];
  const calls = Object.entries(r.calls ?? {}).map(([path, n]) => `${path} ${n}`).join(', ') || '-';
  const failed = s.playersStarted - s.firstMediaMs.length;
  return [label, `${s.firstMediaMs.length} / ${failed}`, `${f0(p(r, 0.5))} / ${f0(p(r, 0.99))} / ${f0(p(r, 1))}`, f0(r.serverCpuMs ?? NaN), calls, f0(r.connections ?? NaN), f0(r.machineCpuBefore), s.failures.join('; ')];
}

/** Per server: p50 and p99 over the runs, as the median when the runs disagree by more than 10 %. */
interface Summary {
  p50: number;
  p99: number;
  cpuMs: number;
  spread: string;
}

function summaries(runs: GateRun[]): Map<GateServerName, Summary> {
  const out = new Map<GateServerName, Summary>();
  for (const server of new Set(runs.map((r) => r.server))) {
    const ok = runs.filter((r) => r.server === server && r.summary && !r.error);
    const p50s = ok.map((r) => p(r, 0.5));
    const p99s = ok.map((r) => p(r, 0.99));
    const range = (v: number[]) => (v.length ? `${f0(Math.min(...v))}–${f0(Math.max(...v))}` : '-');
    const disagree = (v: number[]) => v.length > 1 && Math.max(...v) > 1.1 * Math.min(...v);
    out.set(server, {
      p50: median(p50s),
      p99: median(p99s),
      cpuMs: median(ok.map((r) => r.serverCpuMs ?? NaN)),
      spread: `${range(p50s)} / ${range(p99s)}${disagree(p50s) || disagree(p99s) ? ' (>10 %: medians)' : ''}`,
    });
  }
  return out;
}

export function formatReport(runs: GateRun[]): string {
  const perRun = markdown([['server, run', 'players with media / without', 'first media p50 / p99 / max ms', 'server CPU ms', 'receiver calls', 'receiver connections', 'machine CPU % before', 'failures'], ...runs.map(runRow)]);
  const sums = summaries(runs);
  const summary = markdown([
    ['server', 'first media p50 / p99 ms (median of runs)', 'server CPU ms (median)', 'runs: p50 range / p99 range'],
    ...[...sums].map(([server, s]) => [GATE_SERVER_LABELS[server], `${f0(s.p50)} / ${f0(s.p99)}`, f0(s.cpuMs), s.spread]),
  ]);
  const gated = sums.get('sluice-hooks');
  if (!gated) return `${perRun}\n\n${summary}`;
  const ratios = [['sluice http_hooks / other', 'p50', 'p99', 'server CPU']];
  for (const [server, s] of sums) {
    if (server !== 'sluice-hooks') ratios.push([GATE_SERVER_LABELS[server], ratio(gated.p50, s.p50), ratio(gated.p99, s.p99), ratio(gated.cpuMs, s.cpuMs)]);
  }
  return `${perRun}\n\n${summary}\n\n${markdown(ratios)}`;
}

/** Writes bench/results/gate-<time>.json and returns its path. */
export function saveResults(runs: GateRun[], options: object, peers: string[]): string {
  return save('gate', { peers, options, runs });
}
