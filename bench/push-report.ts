// `npm run bench:push` results as Markdown tables (stdout and docs) and JSON (bench/results/).
import { cpus } from 'node:os';
import type { DeadTargetResult } from './push-dead-target.js';
import { f0, f1, f2, markdown, median, ratio, saveResults as save, spread } from './table.js';

export type Phase = 'source' | 'players' | 'targets';
export const PHASES: readonly Phase[] = ['source', 'players', 'targets'];

export interface PhaseRun {
  phase: Phase;
  run: number;
  /** The machine's CPU use (% of one core) in the 2 s before the phase started: others' work. */
  machineCpuBefore: number;
  /** Sluice's process tree, % of one core over the window. */
  cpuPercent?: number;
  cpuSystemPercent?: number;
  rssAvgMiB?: number;
  /** The load process (publisher, players), % of one core. */
  loadCpuPercent?: number;
  /** The nginx-rtmp targets together, % of one core. */
  targetsCpuPercent?: number;
  machineCpuPercent?: number;
  /** What the players or targets got, in words. */
  check?: string;
  config?: string;
  error?: string;
}


function runRow(r: PhaseRun, n: { targets: number; players: number }): string[] {
  const label = `${r.phase === 'source' ? 'source only' : r.phase === 'players' ? `${n.players} players` : `${n.targets} targets`} #${r.run}`;
  if (r.error || r.cpuPercent === undefined) return [label, `failed: ${r.error ?? 'no result'}`, '', '', '', '', ''];
  return [label, `${f1(r.cpuPercent)} (${f1(r.cpuSystemPercent)})`, f1(r.rssAvgMiB), r.check ?? '', `${f1(r.loadCpuPercent)} / ${f1(r.targetsCpuPercent)}`, f0(r.machineCpuBefore), f0(r.machineCpuPercent)];
}

const cpuOf = (runs: PhaseRun[], phase: Phase) => runs.filter((r) => r.phase === phase && !r.error).map((r) => r.cpuPercent ?? NaN);

/** Least-squares slope of RSS over time, MiB per minute. */
function slopePerMinute(samples: readonly { t: number; rssMiB: number }[]): number {
  const n = samples.length;
  if (n < 2) return NaN;
  const mt = samples.reduce((a, x) => a + x.t, 0) / n;
  const mr = samples.reduce((a, x) => a + x.rssMiB, 0) / n;
  const cov = samples.reduce((a, x) => a + (x.t - mt) * (x.rssMiB - mr), 0);
  const varT = samples.reduce((a, x) => a + (x.t - mt) ** 2, 0);
  return varT > 0 ? (60 * cov) / varT : NaN;
}

function deadTable(dead: DeadTargetResult): string {
  const s = dead.samples;
  const firstMinute = s.filter((x) => x.t <= 60).map((x) => x.rssMiB);
  const last = s.at(-1);
  const rows = [
    ['targets killed', 'RSS MiB: window before the kill (avg)', 'first minute after (avg)', 'last sample', 'min / max after', 'last / first minute', 'trend after the first minute, MiB/min', 'CPU % after (median of samples)', 'pushes live at the end'],
    [
      `${dead.killed}${dead.killed ? '' : ' (control)'}`,
      f1(dead.rssBeforeMiB),
      f1(firstMinute.reduce((a, b) => a + b, 0) / firstMinute.length),
      `${f1(last?.rssMiB)} (t=${last?.t ?? '-'} s)`,
      `${f1(Math.min(...s.map((x) => x.rssMiB)))} / ${f1(Math.max(...s.map((x) => x.rssMiB)))}`,
      ratio(last?.rssMiB, firstMinute.reduce((a, b) => a + b, 0) / firstMinute.length),
      f2(slopePerMinute(s.filter((x) => x.t > 60))),
      f1(median(s.map((x) => x.cpuPercent))),
      `${last?.pushesLive ?? '-'} (dead target: ${last?.dead ?? '-'})`,
    ],
  ];
  return `${markdown(rows)}\n\nRSS samples (MiB, every sample): ${s.map((x) => f1(x.rssMiB)).join(' ')}`;
}

export function formatReport(runs: PhaseRun[], n: { targets: number; players: number }, dead: DeadTargetResult | undefined): string {
  const perRun = markdown([
    ['phase, run', 'Sluice CPU % of 1 core (sys)', 'RSS avg MiB', 'check', 'load / targets CPU %', 'machine CPU % before', `machine CPU % in window (of ${cpus().length * 100})`],
    ...runs.map((r) => runRow(r, n)),
  ]);
  const [source, players, targets] = PHASES.map((p) => median(cpuOf(runs, p)));
  const perRunRatios = [...new Set(runs.map((r) => r.run))].map((run) => {
    const cpu = (phase: Phase) => runs.find((r) => r.run === run && r.phase === phase && !r.error)?.cpuPercent ?? NaN;
    return (cpu('targets') - cpu('source')) / n.targets / ((cpu('players') - cpu('source')) / n.players);
  });
  const perPlayer = (players! - source!) / n.players;
  const perTarget = (targets! - source!) / n.targets;
  const summary = markdown([
    ['figure (medians of the runs)', 'CPU % of 1 core', 'runs'],
    ['source only', f1(source), spread(cpuOf(runs, 'source'), 1)],
    [`source + ${n.players} players`, f1(players), spread(cpuOf(runs, 'players'), 1)],
    [`source + ${n.targets} targets`, f1(targets), spread(cpuOf(runs, 'targets'), 1)],
    ['per player (above source only)', f2(perPlayer), ''],
    ['per target (above source only)', f2(perTarget), ''],
    ['per target / per player', ratio(perTarget, perPlayer), ''],
    ['per target / per player, each run (median)', `${perRunRatios.map((r) => f2(r)).join(', ')} (${f2(median(perRunRatios))})`, ''],
  ]);
  return `${perRun}\n\n${summary}${dead ? `\n\n${deadTable(dead)}` : ''}`;
}

/** Writes bench/results/push-<time>.json and returns its path. */
export function saveResults(runs: PhaseRun[], dead: DeadTargetResult | undefined, options: object): string {
  return save('push', { options, runs, dead });
}
