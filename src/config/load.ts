import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { ZodIssue, ZodRawShape } from 'zod';
import { ConfigError } from '../util/errors.js';
import { applyEnv } from './env.js';
import { fromHappytimeXml } from './from-happytime.js';
import { fromSrs, Origins, shapeOf, valueAt, type Shape, type Translation } from './from-srs.js';
import { configSchemas, DEFAULT_VHOST, type SluiceConfig } from './schema.js';
import { parseSrsConf } from './srs-conf.js';

export interface LoadedConfig {
  config: SluiceConfig;
  /** Settings that were ignored (unknown directives, keys, environment variables). */
  warnings: string[];
  /** The file the config came from, or "embedded default config". */
  source: string;
}

export type ConfigFormat = 'conf' | 'yaml' | 'xml';

type Path = Array<string | number>;

/**
 * Loads `file` (SRS .conf, YAML or a Happytime XML config; with no file, the embedded default config), applies environment
 * overrides from `env` (default: process.env) and validates. Throws ConfigError naming the
 * file, line and setting at fault.
 */
export async function loadConfig(options: { file?: string; env?: NodeJS.ProcessEnv } = {}): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const { file } = options;
  if (file === undefined) return finish({ input: embeddedConfig(), origins: new Origins(), warnings: [] }, env, 'embedded default config');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new ConfigError(`cannot read config file: ${(cause as Error).message}`, file, { cause });
  }
  return parseConfigText(text, formatOf(file, text), file, env);
}

/** Like loadConfig, on text already read; `fileName` is used in messages and to resolve includes. */
export function parseConfigText(
  text: string,
  format: ConfigFormat,
  fileName: string,
  env: NodeJS.ProcessEnv = {},
): LoadedConfig {
  const read =
    format === 'conf' ? fromSrs(parseSrsConf(text, fileName)) : format === 'xml' ? fromHappytimeXml(text, fileName) : fromYaml(text, fileName);
  return finish(read, env, fileName);
}

/**
 * What `sluice` serves with no config file: the settings' defaults plus what SRS's own
 * `conf/srs.conf` turns on (HLS), so `http://HOST:8080/APP/STREAM.m3u8` works out of the box.
 */
function embeddedConfig(): Record<string, unknown> {
  return { vhosts: { [DEFAULT_VHOST]: { hls: { enabled: true } } } };
}

// A line like `listen 1935;` or `vhost x {`: a bare first word (no YAML `key:`), ending in ; or {.
const CONF_LINE = /^\s*[^\s#:;{}]+(\s[^#\n]*)?[;{]\s*(#.*)?$/m;

function formatOf(file: string, text: string): ConfigFormat {
  const ext = extname(file).toLowerCase();
  if (ext === '.conf') return 'conf';
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  if (ext === '.xml' || text.trimStart().startsWith('<')) return 'xml';
  return CONF_LINE.test(text) ? 'conf' : 'yaml';
}

function finish(read: Translation, env: NodeJS.ProcessEnv, source: string): LoadedConfig {
  const warnings = [...read.warnings, ...applyEnv(read.input, env, read.origins)];
  const result = configSchemas().config.safeParse(read.input);
  if (result.success) return { config: result.data, warnings, source };

  const [first, ...others] = result.error.issues.map((issue) => describe(issue, read, source));
  const also = others.map((o) => `; also ${o.where}: ${o.message}`).join('');
  throw new ConfigError(`${first!.message}${also}`, first!.where, { cause: result.error });
}

function describe(issue: ZodIssue, read: Translation, source: string): { where: string; message: string } {
  const where = read.origins.find(issue.path) ?? source;
  // Custom issues come from the schema's own checks, which already quote the value.
  const value = issue.code === 'custom' ? undefined : valueAt(read.input, issue.path);
  const shown = value === undefined ? '' : ` (value: ${JSON.stringify(value).slice(0, 80)})`;
  return { where, message: `${issue.message}${shown}` };
}

function fromYaml(text: string, file: string): Translation {
  // Loaded only for YAML files: a server started from a .conf never pays for the parser.
  const { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument } = createRequire(import.meta.url)('yaml') as typeof Yaml;
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const [error] = doc.errors;
  if (error) throw new ConfigError(error.message, `${file}:${lines.linePos(error.pos[0]).line}`, { cause: error });
  let input: unknown;
  try {
    input = doc.toJS() ?? {};
  } catch (cause) {
    throw new ConfigError((cause as Error).message, file, { cause });
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ConfigError('expected a mapping of settings at the top level', file);
  }

  const origins = new Origins();
  const lineOf = (node: { range?: [number, number, number] | null }) => lines.linePos(node.range?.[0] ?? 0).line;
  const note = (node: unknown, path: Path): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isScalar(pair.key)) continue;
        const keyPath = [...path, String(pair.key.value)];
        origins.set(keyPath, `${file}:${lineOf(pair.key)} ${yamlPath(keyPath)}`);
        note(pair.value, keyPath);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => {
        const itemPath = [...path, index];
        if (isNode(item)) origins.set(itemPath, `${file}:${lineOf(item)} ${yamlPath(itemPath)}`);
        note(item, itemPath);
      });
    }
  };
  note(doc.contents, []);

  const warnings: string[] = [];
  dropUnknown(input, shapeOf(configSchemas().config), [], (path) => {
    warnings.push(`${origins.find(path) ?? `${file} ${yamlPath(path)}`}: unknown key, ignored`);
  });
  return { input: input as Record<string, unknown>, origins, warnings };
}

/** Removes keys the schema does not know (calling `unknown` for each), so validation never sees them. */
function dropUnknown(value: unknown, shape: Shape, path: Path, unknown: (path: Path) => void): void {
  if (Array.isArray(value)) {
    const element = shape.array && shapeOf(shape.array.element);
    if (element) value.forEach((item, index) => dropUnknown(item, element, [...path, index], unknown));
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const entries = value as Record<string, unknown>;
  if (shape.record) {
    const entry = shapeOf(shape.record.valueSchema);
    for (const key of Object.keys(entries)) dropUnknown(entries[key], entry, [...path, key], unknown);
  } else if (shape.object) {
    const fields = shape.object.shape as ZodRawShape;
    for (const key of Object.keys(entries)) {
      const field = Object.hasOwn(fields, key) ? fields[key] : undefined;
      if (field) {
        dropUnknown(entries[key], shapeOf(field), [...path, key], unknown);
      } else {
        unknown([...path, key]);
        delete entries[key];
      }
    }
  }
}

/** `vhosts.live.play.gop_cache`, `listen[1]`: the path as a YAML user reads it. */
function yamlPath(path: Path): string {
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? key : `.${key}`)).join('');
}
