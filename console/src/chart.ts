const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 320;
const HEIGHT = 90;

export interface Series {
  name: string;
  values: number[];
  /** A CSS class giving the line its colour. */
  className: string;
}

/** A small line chart over time (hand-drawn SVG): the series share one scale from zero. */
export function lineChart(title: string, series: Series[], format: (n: number) => string): HTMLElement {
  const figure = document.createElement('figure');
  figure.className = 'chart';
  const top = Math.max(1, ...series.flatMap((s) => s.values));
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', title);
  for (const s of series) {
    const n = s.values.length;
    if (n === 0) continue;
    const points = s.values.map((v, i) => `${n === 1 ? WIDTH : (i / (n - 1)) * WIDTH},${HEIGHT - (v / top) * (HEIGHT - 4) - 2}`);
    const line = document.createElementNS(SVG, 'polyline');
    line.setAttribute('points', points.join(' '));
    line.setAttribute('class', s.className);
    svg.append(line);
  }
  const caption = document.createElement('figcaption');
  const latest = series.map((s) => `${s.name} ${format(s.values.at(-1) ?? 0)}`).join(' · ');
  caption.textContent = `${title}: ${latest} (max ${format(top)})`;
  figure.append(caption, svg);
  return figure;
}
