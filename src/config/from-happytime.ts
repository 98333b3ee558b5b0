import { createRequire } from 'node:module';
import { ConfigError } from '../util/errors.js';
import { convertWords, fieldsOf, Origins, shapeOf, type Field, type Translation } from './from-srs.js';
import { configSchemas, DEFAULT_VHOST, type NotifyProtocol } from './schema.js';

/**
 * Reads a Happytime media server XML config: each protocol's `<http_notify>` becomes that
 * protocol's notify block of the default vhost, and the listen ports Sluice also has are kept
 * (`<port>` of `<rtmp>`, `<srt>`, `<http-flv>`; `<enable>` of `<srt>`).
 * Every other element is reported as ignored, with its line.
 */

/** The part of fast-xml-parser this loader uses (typed here: the package is loaded only for XML). */
interface XmlParserModule {
  XMLValidator: { validate(xml: string): true | { err: { msg: string; line: number } } };
  XMLParser: (new (options: Record<string, unknown>) => { parse(xml: string): unknown }) & { getMetaDataSymbol(): symbol };
}

/** A parsed element: its name, children, text and line. */
interface XmlElement {
  name: string;
  line: number;
  children: XmlElement[];
  text: string;
}

/** Happytime's protocol elements -> the notify block they configure. */
const PROTOCOLS: Readonly<Record<string, NotifyProtocol>> = {
  rtsp: 'rtsp',
  rtmp: 'rtmp',
  srt: 'srt',
  'http-flv': 'http_flv',
  http_flv: 'http_flv',
  httpflv: 'http_flv',
};

/** `<port>` of a protocol element -> the Sluice setting that listens for it. */
const PORTS: Readonly<Record<string, string[]>> = {
  rtmp: ['listen'],
  srt: ['srt_server', 'listen'],
  http_flv: ['http_server', 'listen'],
};

export function fromHappytimeXml(text: string, file: string): Translation {
  const root = parseXml(text, file);
  const out: Translation = { input: {}, origins: new Origins(), warnings: [] };
  if (root?.name !== 'config') throw new ConfigError('expected a Happytime <config> document', `${file}:${root?.line ?? 1}`);
  const notifyFields = notifyFieldsOf();
  const ignored = (element: XmlElement, path: string) => out.warnings.push(`${file}:${element.line} ${path}: unknown element, ignored`);

  let srtEnabled: boolean | undefined;
  for (const element of root.children) {
    const protocol = Object.hasOwn(PROTOCOLS, element.name) ? PROTOCOLS[element.name]! : undefined;
    if (!protocol) {
      ignored(element, `config.${element.name}`);
      continue;
    }
    for (const child of element.children) {
      const path = `config.${element.name}.${child.name}`;
      const where = `${file}:${child.line} ${path}`;
      if (child.name === 'http_notify') {
        const block: Record<string, unknown> = { enabled: true };
        const blockPath = ['vhosts', DEFAULT_VHOST, 'http_notify', protocol];
        out.origins.set(blockPath, where);
        for (const setting of child.children) {
          const field = notifyFields.find((f) => f.key === setting.name);
          if (!field) ignored(setting, `${path}.${setting.name}`);
          else addSetting(block, field, setting, [...blockPath, field.key], `${file}:${setting.line} ${path}.${setting.name}`, out);
        }
        set(out.input, blockPath, block);
      } else if (child.name === 'port' && Object.hasOwn(PORTS, protocol)) {
        const target = PORTS[protocol]!;
        set(out.input, target, child.text);
        out.origins.set(target, where);
        // A port is there to be listened on, unless <enable> said otherwise.
        if (protocol === 'srt') set(out.input, ['srt_server', 'enabled'], srtEnabled ?? true);
      } else if (child.name === 'enable' && protocol === 'srt') {
        srtEnabled = ['1', 'true', 'on', 'yes'].includes(child.text.toLowerCase());
        set(out.input, ['srt_server', 'enabled'], srtEnabled);
        out.origins.set(['srt_server', 'enabled'], where);
      } else {
        ignored(child, path);
      }
    }
  }
  return out;
}

/** The settings a protocol's notify block takes (the same as `http_notify`'s). */
function notifyFieldsOf(): Field[] {
  const notify = shapeOf(configSchemas().vhost.shape.http_notify).object;
  const override = notify && shapeOf(notify.shape.rtmp).object;
  if (!override) throw new TypeError('http_notify must have protocol blocks');
  return fieldsOf(override);
}

/** A repeated element (two `<on_publish>`) adds to the list, as several URLs in one .conf directive. */
function addSetting(block: Record<string, unknown>, field: Field, element: XmlElement, path: string[], where: string, out: Translation): void {
  const words = element.text.split(/\s+/).filter((word) => word !== '');
  if (words.length === 0) {
    out.warnings.push(`${where}: empty, ignored`);
    return;
  }
  const value = convertWords(words, field.shape);
  const previous = block[field.key];
  if (previous !== undefined && !field.shape.array) throw new ConfigError('duplicate element', where);
  const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);
  block[field.key] = previous === undefined ? value : [...asList(previous), ...asList(value)];
  if (previous === undefined) out.origins.set(path, where);
}

function set(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[path.at(-1)!] = value;
}

function parseXml(text: string, file: string): XmlElement | undefined {
  // Loaded only for XML files, as the YAML parser is for YAML.
  const { XMLParser, XMLValidator } = createRequire(import.meta.url)('fast-xml-parser') as XmlParserModule;
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new ConfigError(valid.err.msg, `${file}:${valid.err.line}`);
  const parser = new XMLParser({ preserveOrder: true, captureMetaData: true, ignoreAttributes: true, parseTagValue: false, trimValues: true });
  const meta = XMLParser.getMetaDataSymbol();
  const lineAt = lineFinder(text);
  const convert = (nodes: unknown): XmlElement[] => {
    const elements: XmlElement[] = [];
    for (const node of nodes as Array<Record<string | symbol, unknown>>) {
      const name = Object.keys(node).find((key) => key !== ':@');
      if (name === undefined || name === '#text' || name.startsWith('?')) continue;
      const children = node[name] as Array<Record<string, unknown>>;
      const start = (node[meta] as { startIndex?: number } | undefined)?.startIndex ?? 0;
      const text = children.map((child) => child['#text']).filter((t) => t !== undefined).join(' ');
      elements.push({ name, line: lineAt(start), children: convert(children), text: String(text).trim() });
    }
    return elements;
  };
  return convert(parser.parse(text))[0];
}

/** Offset in `text` -> 1-based line number. */
function lineFinder(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  };
}
