import { resolve } from 'node:path';
import { confine, renderTemplate } from '../util/path-template.js';

export interface PathNames {
  app: string;
  stream: string;
}

/** The fixed directory part of a template: everything before the first placeholder's segment. */
export function templateRoot(template: string): string {
  const fixed = template.slice(0, template.includes('[') ? template.indexOf('[') : template.length);
  const cut = fixed.lastIndexOf('/');
  return resolve(cut < 0 ? '.' : fixed.slice(0, cut + 1) || '/');
}

/** Expands the template for a stream and confines the result to the template's fixed directory. */
export function recordingPath(template: string, names: PathNames, at: Date): string {
  return confine(templateRoot(template), renderTemplate(template, { ...names, time: at }));
}
