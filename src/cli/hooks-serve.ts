import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { verifyWebhook } from '../gate/signing.js';
import type { Output } from './hooks-output.js';

/**
 * `sluice hooks serve`: a callback receiver for trying Sluice out, like SRS's demo api-server.
 * It answers every callback of every dialect with success, prints one line per event, and can
 * check stream tokens and signatures.
 */

export interface HookReceiverOptions {
  port: number;
  host: string;
  /** When set, on_publish / on_play need `?token=` with one of these. */
  tokens?: Set<string>;
  /** When set, calls without a valid signature are refused with 401. */
  secret?: string;
  out: Output;
}

export interface RunningReceiver {
  port: number;
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;
const PATHS = /^\/api\/v1\/(clients|streams|sessions|dvrs|hls|on_[a-z_]+)(\/|$)/;
const OK = '{"code":0,"data":null}';

export async function startHookReceiver(options: HookReceiverOptions): Promise<RunningReceiver> {
  const server = createServer((req, res) => {
    readBody(req).then(
      (body) => answer(req, res, body, options),
      () => reply(res, 413, '{"code":413,"msg":"body too large"}'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface Event {
  name: string;
  dialect: 'srs' | 'oryx' | 'notify';
  fields: Record<string, unknown>;
}

function answer(req: IncomingMessage, res: ServerResponse, body: Buffer, options: HookReceiverOptions): void {
  const url = new URL(req.url ?? '/', 'http://receiver');
  if (!PATHS.test(url.pathname)) return reply(res, 404, '{"code":404,"msg":"not a callback path"}');
  const event = parseEvent(req, url, body.toString('utf8'));
  const time = new Date().toISOString().slice(11, 23);
  if (options.secret !== undefined) {
    const check = verifyWebhook(options.secret, req.headers, body);
    if (!check.ok) {
      options.out(`${time} ${event.name} ${event.dialect} REFUSED (401): ${check.reason}`);
      return reply(res, 401, JSON.stringify({ code: 401, msg: check.reason }));
    }
  }
  const refusal = tokenRefusal(event, options.tokens);
  options.out(`${time} ${describe(event)} -> ${refusal ? `refused: ${refusal}` : 'allowed'}`);
  if (!refusal) return reply(res, 200, OK);
  // The notify dialect refuses by status; the JSON dialects by a non-zero code.
  reply(res, event.dialect === 'notify' ? 403 : 200, JSON.stringify({ code: 1, msg: refusal }));
}

function parseEvent(req: IncomingMessage, url: URL, body: string): Event {
  const type = req.headers['content-type'] ?? '';
  if (type.includes('json') && body !== '') {
    try {
      const fields = JSON.parse(body) as Record<string, unknown>;
      return { name: String(fields.action ?? '?'), dialect: 'request_id' in fields ? 'oryx' : 'srs', fields };
    } catch {
      return { name: '(bad JSON)', dialect: 'srs', fields: {} };
    }
  }
  const form = type.includes('x-www-form-urlencoded') ? new URLSearchParams(body) : url.searchParams;
  if (form.has('call')) return { name: `on_${form.get('call')}`, dialect: 'notify', fields: Object.fromEntries(form) };
  return { name: 'on_hls_notify', dialect: 'srs', fields: { url: url.pathname + url.search } };
}

function tokenRefusal(event: Event, tokens: Set<string> | undefined): string | undefined {
  if (!tokens || (event.name !== 'on_publish' && event.name !== 'on_play')) return undefined;
  const token =
    event.dialect === 'notify'
      ? String(event.fields.token ?? '')
      : (new URLSearchParams(String(event.fields.param ?? '')).get('token') ?? '');
  if (token === '') return 'no token';
  return tokens.has(token) ? undefined : `token ${JSON.stringify(token)} is not allowed`;
}

const DETAILS = ['send_bytes', 'recv_bytes', 'seq_no', 'file', 'path', 'artifact_path'];

function describe({ name, dialect, fields: f }: Event): string {
  const stream = f.stream ?? f.name;
  const param = dialect === 'notify' ? '' : String(f.param ?? '');
  let where = '';
  if (name === 'on_hls_notify') where = ` ${String(f.url)}`;
  else if (f.app !== undefined) where = ` /${String(f.app)}${stream ? `/${String(stream)}${param}` : ''}`;
  const who = [f.client_id ?? f.clientid, f.ip ?? f.addr].filter((v) => v !== undefined).map(String);
  const details = DETAILS.filter((key) => f[key] !== undefined).map((key) => ` ${key}=${String(f[key])}`);
  return `${name} ${dialect}${who.length ? ` client=${who.join('@')}` : ''}${where}${details.join('')}`;
}

function reply(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        req.destroy();
        reject(new Error('body too large'));
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export const SERVE_HELP = `Usage: sluice hooks serve [--port 8085] [--host 127.0.0.1] [--tokens FILE] [--secret S]

A callback receiver for trying Sluice out (like SRS's api-server): answers every callback with
{"code":0,"data":null} and prints one line per event.
  --tokens FILE   allow on_publish / on_play only with ?token=T where T is a line of FILE
  --secret S      refuse (401) calls whose Standard Webhooks signature does not verify`;

/** Runs the receiver until SIGINT / SIGTERM. */
export async function runServe(argv: string[], out: Output): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '8085' },
      host: { type: 'string', default: '127.0.0.1' },
      tokens: { type: 'string' },
      secret: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    out(SERVE_HELP);
    return 0;
  }
  const tokens = values.tokens === undefined ? undefined : readTokens(values.tokens);
  const receiver = await startHookReceiver({
    port: Number(values.port),
    host: values.host,
    out,
    ...(tokens ? { tokens } : {}),
    ...(values.secret !== undefined ? { secret: values.secret } : {}),
  });
  out(`listening on http://${values.host}:${receiver.port}/api/v1/ (Ctrl-C to stop)`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await receiver.close();
  return 0;
}

/** One token per line; blank lines and `#` comments are skipped. */
export function readTokens(file: string): Set<string> {
  const lines = readFileSync(file, 'utf8').split(/\r?\n/).map((line) => line.trim());
  return new Set(lines.filter((line) => line !== '' && !line.startsWith('#')));
}
