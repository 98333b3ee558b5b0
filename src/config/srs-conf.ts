import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from '../util/errors.js';

/**
 * Parser for SRS / nginx-style config text: `name args...;` directives and `name args... { ... }`
 * blocks, `#` comments, '..' and ".." quoted strings, and `include FILE;`.
 */

export interface Directive {
  name: string;
  args: string[];
  /** File the directive was read from (differs from the top file for included directives). */
  file: string;
  line: number;
  children?: Directive[];
}

type WordToken = { kind: 'word'; text: string; line: number };
type Token = WordToken | { kind: ';' | '{' | '}'; line: number };

/** Bounds nested includes; a cycle is caught earlier, this stops a pathologically deep chain. */
const MAX_INCLUDE_DEPTH = 16;

/**
 * Parses `text` read from `file` (the name used in messages; includes are resolved against its
 * directory). Throws ConfigError naming the file and line of the first syntax error.
 */
export function parseSrsConf(text: string, file: string): Directive[] {
  return parseFile(text, file, [resolve(file)]);
}

function parseFile(text: string, file: string, chain: string[]): Directive[] {
  const tokens = tokenize(text, file);
  let pos = 0;

  // Reads directives until the closing brace of `opener` (or the end of the text at the top).
  const parseBlock = (opener?: WordToken): Directive[] => {
    const directives: Directive[] = [];
    let words: WordToken[] = [];
    for (;;) {
      const token = tokens[pos++];
      if (!token) {
        if (words[0]) throw new ConfigError(`missing ";" after "${words[0].text}"`, `${file}:${words[0].line}`);
        if (opener) {
          throw new ConfigError(`block "${opener.text}" is never closed (unbalanced braces)`, `${file}:${opener.line}`);
        }
        return directives;
      }
      if (token.kind === 'word') {
        words.push(token);
        continue;
      }
      const [head, ...rest] = words;
      const args = rest.map((w) => w.text);
      words = [];
      if (token.kind === '}') {
        if (head) throw new ConfigError(`missing ";" after "${head.text}"`, `${file}:${head.line}`);
        if (!opener) throw new ConfigError('unexpected "}" (unbalanced braces)', `${file}:${token.line}`);
        return directives;
      }
      if (!head) throw new ConfigError(`unexpected "${token.kind}"`, `${file}:${token.line}`);
      const where = `${file}:${head.line} ${head.text}`;
      if (token.kind === '{') {
        if (head.text === 'include') throw new ConfigError('include cannot open a block', where);
        const children = parseBlock(head);
        directives.push({ name: head.text, args, file, line: head.line, children });
      } else if (head.text === 'include') {
        if (args.length === 0) throw new ConfigError('include needs a file name', where);
        for (const arg of args) directives.push(...include(arg, file, chain, where));
      } else {
        directives.push({ name: head.text, args, file, line: head.line });
      }
    }
  };
  return parseBlock();
}

function include(arg: string, file: string, chain: string[], where: string): Directive[] {
  // Shown relative to the including file's name, read relative to its directory.
  const shown = isAbsolute(arg) ? arg : join(dirname(file), arg);
  const full = resolve(shown);
  if (chain.includes(full)) throw new ConfigError(`include cycle: ${shown} is already being read`, where);
  if (chain.length > MAX_INCLUDE_DEPTH) throw new ConfigError(`includes nested deeper than ${MAX_INCLUDE_DEPTH}`, where);
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch (cause) {
    throw new ConfigError(`cannot read include ${shown}: ${(cause as Error).message}`, where, { cause });
  }
  return parseFile(text, shown, [...chain, full]);
}

const SPACE = /\s/;
const PUNCT = new Set([';', '{', '}']);

function tokenize(text: string, file: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '\n') line++;
    if (SPACE.test(ch)) {
      i++;
    } else if (ch === '#') {
      // A comment starts only where a token could; `http://host/#x` keeps its '#'.
      while (i < text.length && text[i] !== '\n') i++;
    } else if (PUNCT.has(ch)) {
      tokens.push({ kind: ch as ';' | '{' | '}', line });
      i++;
    } else if (ch === '"' || ch === "'") {
      const start = line;
      let value = '';
      i++;
      for (;;) {
        const c = text[i++];
        if (c === undefined) throw new ConfigError(`unterminated ${ch} quote`, `${file}:${start}`);
        if (c === ch) break;
        if (c === '\n') line++;
        if (c === '\\' && i < text.length) {
          const next = text[i++]!;
          if (next === '\n') line++;
          value += next;
        } else {
          value += c;
        }
      }
      const after = text[i];
      if (after !== undefined && !SPACE.test(after) && !PUNCT.has(after)) {
        throw new ConfigError(`expected a space, ";" or brace after the quoted string`, `${file}:${line}`);
      }
      tokens.push({ kind: 'word', text: value, line: start });
    } else {
      const start = i;
      while (i < text.length && !SPACE.test(text[i]!) && !PUNCT.has(text[i]!)) i++;
      tokens.push({ kind: 'word', text: text.slice(start, i), line });
    }
  }
  return tokens;
}
