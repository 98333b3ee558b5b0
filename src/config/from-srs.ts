import { z } from 'zod';
import { ConfigError } from '../util/errors.js';
import { REPEATED } from './rules-schema.js';
import { configSchemas } from './schema.js';
import type { Directive } from './srs-conf.js';

/**
 * Translates an SRS-style directive tree to the schema's input shape. Everything is learned from
 * the zod schema itself (blocks, booleans, numbers, lists), so a block added to the schema works
 * in .conf files, YAML and the environment without changes here.
 */

type Scalar = 'boolean' | 'number' | 'string';

/** What a schema node accepts once defaults, optionals, transforms and unions are looked through. */
export interface Shape {
  object?: z.AnyZodObject;
  record?: z.ZodRecord;
  array?: z.ZodArray<z.ZodTypeAny>;
  scalars: Set<Scalar>;
  /** A list whose directive may repeat, one entry per occurrence (`allow play all;`). */
  repeated?: boolean;
}

export function shapeOf(schema: z.ZodTypeAny): Shape {
  const shape: Shape = { scalars: new Set() };
  const visit = (s: z.ZodTypeAny): void => {
    if (s.description === REPEATED) shape.repeated = true;
    if (s instanceof z.ZodDefault || s instanceof z.ZodCatch) visit(s._def.innerType);
    else if (s instanceof z.ZodOptional || s instanceof z.ZodNullable) visit(s.unwrap());
    else if (s instanceof z.ZodEffects) visit(s.innerType());
    else if (s instanceof z.ZodPipeline) visit(s._def.in);
    else if (s instanceof z.ZodUnion || s instanceof z.ZodDiscriminatedUnion) s.options.forEach(visit);
    else if (s instanceof z.ZodObject) shape.object ??= s;
    else if (s instanceof z.ZodRecord) shape.record ??= s;
    else if (s instanceof z.ZodArray) shape.array ??= s;
    else if (s instanceof z.ZodBoolean) shape.scalars.add('boolean');
    else if (s instanceof z.ZodNumber) shape.scalars.add('number');
    else if (s instanceof z.ZodLiteral && typeof s.value === 'boolean') shape.scalars.add('boolean');
    else if (s instanceof z.ZodLiteral && typeof s.value === 'number') shape.scalars.add('number');
    // Strings, enums and anything else take the text as written; validation judges it.
    else shape.scalars.add('string');
  };
  visit(schema);
  return shape;
}

export interface Field {
  key: string;
  /** The .conf directive name: the key, except a record is named by its singular (`vhosts` -> `vhost NAME { }`). */
  name: string;
  shape: Shape;
}

export function fieldsOf(object: z.AnyZodObject): Field[] {
  return Object.entries(object.shape as z.ZodRawShape).map(([key, schema]) => {
    const shape = shapeOf(schema);
    const name = shape.record && key.endsWith('s') ? key.slice(0, -1) : key;
    return { key, name, shape };
  });
}

const BOOLEANS = new Map([
  ['on', true], ['yes', true], ['true', true],
  ['off', false], ['no', false], ['false', false],
]);
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function convertWord(word: string, scalars: Set<Scalar>): unknown {
  const flag = BOOLEANS.get(word.toLowerCase());
  if (scalars.has('boolean') && flag !== undefined) return flag;
  if (scalars.has('number') && NUMBER.test(word)) return Number(word);
  // A string, or a wrong value that validation reports with where it came from.
  return word;
}

/** SRS-style words -> what `shape` accepts: on/off, numbers, and space-separated lists. */
export function convertWords(words: string[], shape: Shape): unknown {
  if (shape.repeated) return [words.join(' ')];
  if (shape.array && !(words.length === 1 && shape.scalars.size > 0)) {
    const element = shapeOf(shape.array.element).scalars;
    return words.map((word) => convertWord(word, element));
  }
  if (words.length === 1) return convertWord(words[0]!, shape.scalars);
  return words.length === 0 ? '' : words;
}

/** SRS directives that set a Sluice setting under another name. */
const SRS_LOG_LEVELS = new Map([
  ['verbose', 'trace'], ['info', 'debug'], ['trace', 'info'], ['warn', 'warn'], ['error', 'error'],
]);
export const ALIASES = new Map<string, { key: string; convert: (word: string) => string }>([
  ['srs_log_level', { key: 'log_level', convert: (w) => SRS_LOG_LEVELS.get(w.toLowerCase()) ?? w }],
  // SRS 6+ uses log4j names (TRACE, DEBUG, INFO, ...), the same as Sluice's.
  ['srs_log_level_v2', { key: 'log_level', convert: (w) => w.toLowerCase() }],
]);

const SEP = '\u0000';
const keyOf = (path: readonly PropertyKey[]) => path.map(String).join(SEP);

/** Where each setting came from ("file:line directive", "env NAME"), so errors can point at it. */
export class Origins {
  private readonly map = new Map<string, string>();

  /** Records `where` for `path`, forgetting what was recorded below it (it was overridden). */
  set(path: readonly PropertyKey[], where: string): void {
    const key = keyOf(path);
    for (const known of this.map.keys()) if (known.startsWith(key + SEP)) this.map.delete(known);
    this.map.set(key, where);
  }

  /** The origin of `path`, or of its nearest ancestor that has one. */
  find(path: readonly PropertyKey[]): string | undefined {
    for (let n = path.length; n > 0; n--) {
      const where = this.map.get(keyOf(path.slice(0, n)));
      if (where !== undefined) return where;
    }
    return undefined;
  }
}

/** The value at `path` in plain data, or undefined. */
export function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let node = input;
  for (const key of path) {
    const has = typeof node === 'object' && node !== null && Object.hasOwn(node, key);
    node = has ? (node as Record<PropertyKey, unknown>)[key] : undefined;
  }
  return node;
}

/** Sets an own property even for names like `__proto__` (vhost names come from the user). */
export function setKey(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

export interface Translation {
  input: Record<string, unknown>;
  origins: Origins;
  warnings: string[];
}

export function fromSrs(directives: Directive[], schema: z.ZodTypeAny = configSchemas().config): Translation {
  const root = shapeOf(schema).object;
  if (!root) throw new TypeError('the config schema must be an object');
  const out: Translation = { input: {}, origins: new Origins(), warnings: [] };
  out.input = translateBlock(directives, root, [], [], out);
  return out;
}

function translateBlock(
  directives: Directive[],
  object: z.AnyZodObject,
  names: string[],
  path: string[],
  out: Translation,
): Record<string, unknown> {
  const fields = fieldsOf(object);
  const result: Record<string, unknown> = {};
  for (const d of directives) {
    const where = `${d.file}:${d.line} ${[...names, d.name].join('.')}`;
    const alias = ALIASES.get(d.name);
    const field = fields.find((f) => f.name === d.name) ?? fields.find((f) => f.key === alias?.key);
    if (!field) {
      out.warnings.push(`${where}: unknown directive, ignored`);
      continue;
    }
    const claim = (target: Record<string, unknown>, key: string, keyPath: string[]) => {
      if (Object.hasOwn(target, key)) {
        throw new ConfigError(`duplicate directive, already set at ${out.origins.find(keyPath)}`, where);
      }
      out.origins.set(keyPath, where);
    };

    if (field.shape.record) {
      const entry = shapeOf(field.shape.record.valueSchema).object;
      const name = d.args[0];
      if (!entry || !d.children || name === undefined || d.args.length > 1) {
        throw new ConfigError(`expected "${d.name} NAME { ... }"`, where);
      }
      const entries = (result[field.key] ??= {}) as Record<string, unknown>;
      const entryPath = [...path, field.key, name];
      claim(entries, name, entryPath);
      setKey(entries, name, translateBlock(d.children, entry, [...names, d.name, name], entryPath, out));
      continue;
    }

    const keyPath = [...path, field.key];
    if (field.shape.repeated && !d.children && d.args.length > 0) {
      if (!Object.hasOwn(result, field.key)) out.origins.set(keyPath, where);
      result[field.key] = [...((result[field.key] as unknown[] | undefined) ?? []), d.args.join(' ')];
      continue;
    }
    claim(result, field.key, keyPath);
    if (d.children) {
      if (!field.shape.object) throw new ConfigError(`expected "${d.name} VALUE;", not a block`, where);
      if (d.args.length > 0) throw new ConfigError(`expected "${d.name} { ... }" without arguments`, where);
      result[field.key] = translateBlock(d.children, field.shape.object, [...names, d.name], keyPath, out);
    } else if (field.shape.scalars.size === 0 && !field.shape.array) {
      throw new ConfigError(`expected a block "${d.name} { ... }"`, where);
    } else if (d.args.length === 0) {
      throw new ConfigError('missing value', where);
    } else {
      result[field.key] =
        alias && d.args.length === 1 ? alias.convert(d.args[0]!) : convertWords(d.args, field.shape);
    }
  }
  return result;
}
