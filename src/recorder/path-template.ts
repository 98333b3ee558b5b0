import { resolve, sep } from 'node:path';
import { SluiceError } from '../util/errors.js';

export interface PathNames {
  app: string;
  stream: string;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * Expands an SRS DVR path template: [app], [stream], [timestamp] (ms since the epoch) and the
 * local-time parts [2006] year, [01] month, [02] day, [15] hour, [04] minute, [05] second,
 * [999] milliseconds (Go's reference-time spelling, as SRS uses).
 */
export function expandPath(template: string, names: PathNames, at: Date): string {
  const values: Record<string, string> = {
    '[app]': names.app,
    '[stream]': names.stream,
    '[timestamp]': String(at.getTime()),
    '[2006]': String(at.getFullYear()),
    '[01]': pad(at.getMonth() + 1),
    '[02]': pad(at.getDate()),
    '[15]': pad(at.getHours()),
    '[04]': pad(at.getMinutes()),
    '[05]': pad(at.getSeconds()),
    '[999]': pad(at.getMilliseconds(), 3),
  };
  return template.replace(/\[[a-z0-9]+\]/g, (word) => values[word] ?? word);
}

/** The fixed directory part of a template: everything before the first placeholder's segment. */
export function templateRoot(template: string): string {
  const fixed = template.slice(0, template.includes('[') ? template.indexOf('[') : template.length);
  const cut = fixed.lastIndexOf('/');
  return resolve(cut < 0 ? '.' : fixed.slice(0, cut + 1) || '/');
}

export class PathEscape extends SluiceError {}

/** Resolves `path`; throws PathEscape when it lands outside `root` (a stream named `..`, say). */
export function confine(root: string, path: string): string {
  const absolute = resolve(path);
  const base = resolve(root);
  if (!absolute.startsWith(base.endsWith(sep) ? base : base + sep)) {
    throw new PathEscape(`recording path ${absolute} is outside ${base}`);
  }
  return absolute;
}

/** Expands the template for a stream and confines the result to the template's fixed directory. */
export function recordingPath(template: string, names: PathNames, at: Date): string {
  return confine(templateRoot(template), expandPath(template, names, at));
}
