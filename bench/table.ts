// Helpers of the bench reports: Markdown tables, medians over runs, ratios.

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

export const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b && Number.isFinite(a) ? `${(a / b).toFixed(2)}x` : '-');
