import { configSchemas, DEFAULT_VHOST } from './schema.js';
import { ALIASES, convertWords, fieldsOf, Origins, setKey, shapeOf, valueAt, type Field, type Shape } from './from-srs.js';
import type { z } from 'zod';

/**
 * Environment overrides, applied over the file's values before validation. Two spellings:
 * - `SLUICE_<PATH>`: the schema path in upper case with `__` between levels
 *   (`SLUICE_HTTP_API__LISTEN`, `SLUICE_VHOSTS__LIVE__PLAY__GOP_CACHE`);
 * - `SRS_<PATH>`: SRS's own names, `_` between levels, vhost settings for the default vhost
 *   (`SRS_HTTP_API_LISTEN`, `SRS_VHOST_PLAY_GOP_CACHE`).
 * `SLUICE_API_TOKENS` sets `http_api.api_token`. `SLUICE_` wins over `SRS_`. Values read like .conf arguments: on/off, numbers, space-separated lists.
 */

/** The own API's tokens, space- or comma-separated (the same as `SLUICE_HTTP_API__API_TOKEN`). */
const API_TOKENS = 'SLUICE_API_TOKENS';

interface Style {
  prefix: string;
  sep: string;
  /** The name a field goes by in this spelling. */
  name: (field: Field) => string;
  /** The ways `tail` can name a record entry: [entry key, rest of the name]. */
  entries: (tail: string, known: string[]) => Array<[string, string]>;
}

const SRS: Style = {
  prefix: 'SRS_',
  sep: '_',
  name: (field) => field.name,
  entries: (tail) => [[DEFAULT_VHOST, tail]],
};

const SLUICE: Style = {
  prefix: 'SLUICE_',
  sep: '__',
  name: (field) => field.key,
  // The entry key ends at some `__`; try each, since a key may itself contain `__`.
  entries: (tail, known) => {
    const splits: Array<[string, string]> = [];
    for (let i = 1; i <= tail.length; i++) {
      if (i < tail.length && !tail.startsWith('__', i)) continue;
      const segment = tail.slice(0, i);
      const key = known.find((k) => k.toUpperCase() === segment) ?? segment.toLowerCase();
      splits.push([key, tail.slice(i + 2)]);
    }
    return splits;
  },
};

interface Target {
  path: string[];
  value: (words: string[]) => unknown;
}

/** Applies `SRS_*` then `SLUICE_*` variables to `input`; returns warnings for names it does not know. */
export function applyEnv(
  input: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  origins: Origins,
  schema: z.ZodTypeAny = configSchemas().config,
): string[] {
  const root = shapeOf(schema);
  const warnings: string[] = [];
  const tokens = env[API_TOKENS];
  if (tokens !== undefined) {
    setPath(input, ['http_api', 'api_token'], tokens.split(/[\s,]+/).filter(Boolean));
    origins.set(['http_api', 'api_token'], `env ${API_TOKENS}`);
  }
  for (const style of [SRS, SLUICE]) {
    const names = Object.keys(env).filter((name) => name.startsWith(style.prefix)).sort();
    for (const name of names.filter((n) => n !== API_TOKENS)) {
      const rest = name.slice(style.prefix.length);
      const alias = style === SRS ? ALIASES.get(rest.toLowerCase()) : undefined;
      const target: Target | undefined = alias
        ? { path: [alias.key], value: (words) => (words.length === 1 ? alias.convert(words[0]!) : words) }
        : resolve(rest, root, [], style, input);
      if (!target) {
        warnings.push(`env ${name}: unknown setting, ignored`);
        continue;
      }
      const words = (env[name] ?? '').trim().split(/\s+/).filter(Boolean);
      setPath(input, target.path, target.value(words));
      origins.set(target.path, `env ${name}`);
    }
  }
  return warnings;
}

/** Finds the setting `rest` names below `path`, trying each field whose name it starts with. */
function resolve(
  rest: string,
  shape: Shape,
  path: string[],
  style: Style,
  input: Record<string, unknown>,
): Target | undefined {
  if (rest === '') {
    return shape.scalars.size > 0 || shape.array ? { path, value: (words) => convertWords(words, shape) } : undefined;
  }
  if (!shape.object) return undefined;
  for (const field of fieldsOf(shape.object)) {
    const name = style.name(field).toUpperCase();
    let tail: string;
    if (rest === name) tail = '';
    else if (rest.startsWith(name + style.sep) && rest.length > name.length + style.sep.length) {
      tail = rest.slice(name.length + style.sep.length);
    } else continue;

    const fieldPath = [...path, field.key];
    const record = field.shape.record;
    if (!record) {
      const found = resolve(tail, field.shape, fieldPath, style, input);
      if (found) return found;
      continue;
    }
    const existing = valueAt(input, fieldPath);
    const known = [DEFAULT_VHOST, ...(isObject(existing) ? Object.keys(existing) : [])];
    for (const [key, after] of style.entries(tail, known)) {
      const found = resolve(after, shapeOf(record.valueSchema), [...fieldPath, key], style, input);
      if (found) return found;
    }
  }
  return undefined;
}

function setPath(input: Record<string, unknown>, path: string[], value: unknown): void {
  let node = input;
  for (const key of path.slice(0, -1)) {
    const next = Object.hasOwn(node, key) ? node[key] : undefined;
    if (!isObject(next)) setKey(node, key, {});
    node = node[key] as Record<string, unknown>;
  }
  setKey(node, path[path.length - 1]!, value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
