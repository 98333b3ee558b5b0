import { readdir, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import type { z } from 'zod/v4';
import type { SluiceConfig } from '../../config/schema.js';
import { artifactUrl } from '../../recorder/record-service.js';
import { templateRoot } from '../../recorder/path-template.js';
import type { RecordingFile } from './schemas.js';

type FileView = z.output<typeof RecordingFile>;

// A listing stays cheap however much is on disk: this many files, this deep.
const MAX_FILES = 10_000;
const MAX_DEPTH = 8;
const MEDIA = /\.(flv|mp4|m4a|ts)$/i;
const ARTIFACT = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.mp4$/;

/** The finished and growing recordings under every vhost's DVR and record directories, newest first. */
export async function listRecordings(config: SluiceConfig): Promise<FileView[]> {
  const vhosts = Object.values(config.vhosts);
  const roots: Array<[string, FileView['kind']]> = [
    ...vhosts.filter((v) => v.dvr.enabled).map((v) => [templateRoot(v.dvr.dvr_path), 'dvr'] as [string, FileView['kind']]),
    ...vhosts.map((v) => [resolve(v.record.record_path), 'record'] as [string, FileView['kind']]),
  ];
  const served = config.http_server.enabled ? resolve(config.http_server.dir) : undefined;
  const seen = new Map<string, FileView>();
  for (const [root, kind] of roots) {
    for (const path of await walk(root, MAX_DEPTH, MAX_FILES - seen.size)) {
      if (seen.has(path)) continue;
      const info = await stat(path).catch(() => undefined);
      if (!info?.isFile()) continue;
      const uuid = kind === 'record' ? ARTIFACT.exec(basename(path))?.[1] : undefined;
      const url = uuid ? artifactUrl(uuid) : servedUrl(served, path);
      seen.set(path, { kind, path, size: info.size, modifiedAt: info.mtimeMs, url });
    }
  }
  return [...seen.values()].sort((a, b) => b.modifiedAt - a.modifiedAt);
}

/** The HTTP server's path of a file under its `dir` (served as a static file), else null. */
function servedUrl(root: string | undefined, path: string): string | null {
  if (root === undefined || !path.startsWith(root + sep)) return null;
  return `/${relative(root, path).split(sep).map(encodeURIComponent).join('/')}`;
}

async function walk(dir: string, depth: number, budget: number): Promise<string[]> {
  if (budget <= 0 || depth < 0) return [];
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const found: string[] = [];
  for (const entry of entries) {
    if (found.length >= budget) break;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await walk(path, depth - 1, budget - found.length)));
    else if (entry.isFile() && MEDIA.test(entry.name)) found.push(path);
  }
  return found;
}
