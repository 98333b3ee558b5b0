import { resolve, sep } from 'node:path';
import { SluiceError } from './errors.js';

/** What the `[...]` placeholders of an SRS path template (HLS files, DVR files) stand for. */
export interface TemplateValues {
  vhost?: string;
  app: string;
  stream: string;
  seq?: number;
  /** Wall-clock time for [timestamp] and the date parts. */
  time?: Date;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * Fills an SRS path template: [vhost] [app] [stream] [seq] [timestamp] (ms since the epoch) and
 * the Go-style local date parts [2006] [01] [02] [15] [04] [05] [999], as SRS spells them.
 * Unknown placeholders are left as they are.
 */
export function renderTemplate(template: string, values: TemplateValues): string {
  const t = values.time ?? new Date();
  const parts: Record<string, string | undefined> = {
    vhost: values.vhost,
    app: values.app,
    stream: values.stream,
    seq: String(values.seq ?? 0),
    timestamp: String(t.getTime()),
    '2006': String(t.getFullYear()),
    '01': pad(t.getMonth() + 1),
    '02': pad(t.getDate()),
    '15': pad(t.getHours()),
    '04': pad(t.getMinutes()),
    '05': pad(t.getSeconds()),
    '999': pad(t.getMilliseconds(), 3),
  };
  return template.replace(/\[([a-z0-9]+)\]/g, (whole, name: string) => parts[name] ?? whole);
}

/** A path that would leave the directory it must stay in (a stream named `..`, say). */
export class PathEscape extends SluiceError {}

/** Resolves `path`; throws PathEscape when it lands outside `root`. */
export function confine(root: string, path: string): string {
  const absolute = resolve(path);
  const base = resolve(root);
  if (!absolute.startsWith(base.endsWith(sep) ? base : base + sep)) {
    throw new PathEscape(`path ${absolute} leaves ${base}`);
  }
  return absolute;
}

/** The absolute path of `relative` under `root`; throws PathEscape when it would leave `root`. */
export function resolveInside(root: string, relative: string): string {
  return confine(root, resolve(root, relative));
}
