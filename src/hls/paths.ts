import { resolve, sep } from 'node:path';

/** What the `[...]` placeholders of hls_m3u8_file and hls_ts_file stand for. */
export interface TemplateValues {
  vhost: string;
  app: string;
  stream: string;
  seq?: number;
  /** Wall-clock time for [timestamp] and the date parts. */
  time?: Date;
}

const two = (n: number): string => String(n).padStart(2, '0');

/**
 * Fills an SRS path template: [vhost] [app] [stream] [seq] [timestamp] (ms since the epoch) and
 * the Go-style local date parts [2006] [01] [02] [15] [04] [05] [999].
 */
export function renderTemplate(template: string, values: TemplateValues): string {
  const t = values.time ?? new Date();
  const parts: Record<string, string> = {
    vhost: values.vhost,
    app: values.app,
    stream: values.stream,
    seq: String(values.seq ?? 0),
    timestamp: String(t.getTime()),
    '2006': String(t.getFullYear()),
    '01': two(t.getMonth() + 1),
    '02': two(t.getDate()),
    '15': two(t.getHours()),
    '04': two(t.getMinutes()),
    '05': two(t.getSeconds()),
    '999': String(t.getMilliseconds()).padStart(3, '0'),
  };
  return template.replace(/\[([a-z0-9]+)\]/g, (whole, name: string) => parts[name] ?? whole);
}

/**
 * The absolute path of `relative` under `root`. Names are checked by the gate already; this
 * makes sure no template or name can still write outside the HLS directory.
 */
export function resolveInside(root: string, relative: string): string {
  const base = resolve(root);
  const path = resolve(base, relative);
  if (!path.startsWith(base + sep)) throw new Error(`HLS path "${relative}" leaves ${base}`);
  return path;
}
