// Helpers of the bench reports: Markdown tables, medians over runs, ratios, the saved JSON.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { join } from 'node:path';

export function markdown(rows: string[][]): string {
  return rows.map((cells, i) => `| ${cells.join(' | ')} |` + (i === 0 ? `\n|${cells.map(() => '---').join('|')}|` : '')).join('\n');
}

export function median(values: readonly number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** "min–max" of the runs, marked when they disagree by more than 10 % (the median is then the figure). */
export function spread(values: readonly number[], digits: number): string {
  const ok = values.filter(Number.isFinite);
  if (ok.length === 0) return '-';
  const [min, max] = [Math.min(...ok), Math.max(...ok)];
  return `${min.toFixed(digits)}–${max.toFixed(digits)}${ok.length > 1 && max > 1.1 * min ? ' (>10 %)' : ''}`;
}

export const fixed = (digits: number) => (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '-' : n.toFixed(digits));
export const f0 = fixed(0);
export const f1 = fixed(1);
export const f2 = fixed(2);

/** a / b as "1.23x"; '-' where either is missing or not a number, or b is 0. */
export const ratio = (a: number | undefined, b: number | undefined) =>
  a !== undefined && b !== undefined && b !== 0 && Number.isFinite(a) && Number.isFinite(b) ? `${(a / b).toFixed(2)}x` : '-';

/** Writes bench/results/<name>-<time>.json (the date and machine, then `fields`) and returns its path. */
export function saveResults(name: string, fields: object): string {
  const dir = join('bench', 'results');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model, kernel: release(), node: process.version };
  writeFileSync(path, JSON.stringify({ date: new Date().toISOString(), machine, ...fields }, null, 2));
  return path;
}
