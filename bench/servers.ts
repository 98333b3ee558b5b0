// The servers of `npm run bench`: each is started on a free loopback port with its own files in `dir`.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ServerName } from './args.js';
import { freePort } from './children.js';
import { SLUICE_CLI, launch, nginxCommand, requireFile, requireSluice, srsConfig } from './launch.js';

export interface ServerCase {
  /** Row label, e.g. "sluice mw=100". */
  label: string;
  kind: ServerName;
  mwLatencyMs?: number;
  /** Another Sluice build's dist/cli.js (default: this checkout's). */
  cli?: string;
  /** Sluice with its HTTP API on, polled once a second in the window (`--api-poll`). */
  apiPoll?: boolean;
  /** Sluice's `workers N` (1 when not given: one process). */
  workers?: number;
  /** Sluice with its HTTP API on, read by the bench itself (the soak's memory samples). */
  httpApi?: boolean;
  /** NODE_OPTIONS for a server that runs on Node (Sluice, node-media-server). */
  nodeOptions?: string;
  /** SRS's binary, for the `srs` case. */
  srsPath?: string;
  /** Which repetition of the list of cases this is (`--rounds`), from 0. */
  round?: number;
}

export interface RunningServer {
  port: number;
  /** Its configuration file, as written. */
  config: string;
  /** Sluice's HTTP API port, when the case polls it. */
  apiPort?: number;
  /** The process whose tree is measured (for nginx, the single worker). */
  pid: number;
  /** How the server ended, if it has. */
  exitStatus(): string | undefined;
  stop(): Promise<void>;
}

/** Sluice's command; `mw` undefined leaves mw_latency at Sluice's default. */
function sluiceCommand(dir: string, port: number, mw: number | undefined, cli = SLUICE_CLI, apiPort?: number, workers = 1): [string, string[], string] {
  requireSluice(cli);
  const conf = join(dir, 'sluice.conf');
  writeFileSync(
    conf,
    [
      `listen 127.0.0.1:${port};`,
      'max_connections 10000;', // the default, 1000, would turn away the 1000th player
      `workers ${workers};`,
      apiPort ? `http_api { enabled on; listen 127.0.0.1:${apiPort}; }` : 'http_api { enabled off; }',
      'http_server { enabled off; }',
      mw === undefined ? '' : `vhost __defaultVhost__ { play { mw_latency ${mw}; } }`,
      '',
    ].join('\n'),
  );
  return [cli, ['-c', conf], conf];
}

function nmsCommand(dir: string, port: number): [string, string[], string] {
  const require = createRequire(import.meta.url);
  const app = join(dirname(require.resolve('node-media-server/package.json')), 'bin', 'app.js');
  const conf = join(dir, 'nms.json');
  // No http/https/rtmps ports: only the RTMP listener runs.
  const config = {
    bind: '127.0.0.1',
    rtmp: { port },
    store: { path: join(dir, 'data') },
    record: { auto: false, path: join(dir, 'record') },
    webadmin: { enable: false },
  };
  writeFileSync(conf, JSON.stringify(config, null, 2));
  return [process.execPath, [app, '-c', conf], conf];
}

/** SRS at its own defaults for players: `min_latency off`, so a 350 ms merged-write window. */
function srsCommand(dir: string, port: number, srsPath: string | undefined, mw: number): [string, string[], string] {
  requireFile(srsPath, `the srs case needs --srs PATH to an SRS 7 binary (got ${srsPath ?? 'none'})`);
  const conf = join(dir, 'srs.conf');
  writeFileSync(conf, srsConfig(dir, port, ['http_api { enabled off; }', 'http_server { enabled off; }', `vhost __defaultVhost__ { play { mw_latency ${mw}; } }`]));
  return [srsPath!, ['-c', conf], conf];
}

/** Starts the server in `dir` (a fresh directory) and waits until it accepts connections. */
export async function startServer(c: ServerCase, dir: string): Promise<RunningServer> {
  const port = await freePort();
  const apiPort = c.apiPoll || c.httpApi ? await freePort() : undefined;
  const [command, args, configFile] =
    c.kind === 'sluice' ? sluiceCommand(dir, port, c.mwLatencyMs, c.cli, apiPort, c.workers)
    : c.kind === 'nginx' ? [...nginxCommand(dir, port), join(dir, 'nginx.conf')] as const
    : c.kind === 'srs' ? srsCommand(dir, port, c.srsPath, c.mwLatencyMs ?? 350)
    : nmsCommand(dir, port);
  const env = c.nodeOptions && (c.kind === 'sluice' || c.kind === 'nms') ? { NODE_OPTIONS: c.nodeOptions } : undefined;
  return { port, apiPort, ...(await launch({ label: c.label, command, args, dir, ports: [port], env, configFile })) };
}
