// The servers under test: each is started on a free loopback port with its own files in `dir`.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type { ServerName } from './args.js';
import { freePort, startChild, stopChild, waitForPort } from './children.js';

export interface ServerCase {
  /** Row label, e.g. "sluice mw=100". */
  label: string;
  kind: ServerName;
  mwLatencyMs?: number;
  /** Another Sluice build's dist/cli.js (default: this checkout's). */
  cli?: string;
  /** Sluice with its HTTP API on, polled once a second in the window (`--api-poll`). */
  apiPoll?: boolean;
  /** Sluice with its HTTP API on, read by the bench itself (the soak's memory samples). */
  httpApi?: boolean;
  /** NODE_OPTIONS for a server that runs on Node (Sluice, node-media-server). */
  nodeOptions?: string;
}

export interface RunningServer {
  port: number;
  /** Sluice's HTTP API port, when the case polls it. */
  apiPort?: number;
  /** The process whose tree is measured (for nginx, the single worker). */
  pid: number;
  /** How the server ended, if it has. */
  exitStatus(): string | undefined;
  stop(): Promise<void>;
}

/** The server's stdout and stderr, in its directory. */
export const SERVER_LOG = 'server.log';

const SLUICE_CLI = resolve('dist', 'cli.js');
const NGINX_RTMP_MODULE = '/usr/lib/nginx/modules/ngx_rtmp_module.so';

/** Sluice's command; `mw` undefined leaves mw_latency at Sluice's default. */
function sluiceCommand(dir: string, port: number, mw: number | undefined, cli = SLUICE_CLI, apiPort?: number): [string, string[]] {
  if (!existsSync(cli)) throw new Error(`${cli} not found: run \`npm run build\` first`);
  const conf = join(dir, 'sluice.conf');
  writeFileSync(
    conf,
    [
      `listen 127.0.0.1:${port};`,
      'max_connections 10000;', // the default, 1000, would turn away the 1000th player
      apiPort ? `http_api { enabled on; listen 127.0.0.1:${apiPort}; }` : 'http_api { enabled off; }',
      'http_server { enabled off; }',
      mw === undefined ? '' : `vhost __defaultVhost__ { play { mw_latency ${mw}; } }`,
      '',
    ].join('\n'),
  );
  // Started as `npx sluice` starts it: the executable, with the V8 flags of its first line.
  return [cli, ['-c', conf]];
}

/**
 * nginx with the RTMP module as one worker, no master, under `dir`; `application` is the body of
 * `application live { ... }`, `server` more directives of the `server` block.
 */
export function nginxCommand(dir: string, port: number, application = 'live on;', server = ''): [string, string[]] {
  if (!existsSync(NGINX_RTMP_MODULE)) throw new Error(`${NGINX_RTMP_MODULE} not found: install nginx and libnginx-mod-rtmp`);
  mkdirSync(join(dir, 'logs'));
  writeFileSync(
    join(dir, 'nginx.conf'),
    [
      `load_module ${NGINX_RTMP_MODULE};`,
      'daemon off;',
      'master_process off;',
      'worker_processes 1;',
      'worker_rlimit_nofile 16384;',
      'error_log logs/error.log warn;',
      'pid logs/nginx.pid;',
      'events { worker_connections 8192; }',
      `rtmp { server { listen 127.0.0.1:${port}; ${server}application live { ${application} } } }`,
      '',
    ].join('\n'),
  );
  return ['nginx', ['-p', dir, '-c', 'nginx.conf', '-e', 'logs/error.log']];
}

function nmsCommand(dir: string, port: number): [string, string[]] {
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
  return [process.execPath, [app, '-c', conf]];
}

/** Starts the server in `dir` (a fresh directory) and waits until it accepts connections. */
export async function startServer(c: ServerCase, dir: string): Promise<RunningServer> {
  const port = await freePort();
  const apiPort = c.apiPoll || c.httpApi ? await freePort() : undefined;
  const [command, args] =
    c.kind === 'sluice' ? sluiceCommand(dir, port, c.mwLatencyMs, c.cli, apiPort)
    : c.kind === 'nginx' ? nginxCommand(dir, port)
    : nmsCommand(dir, port);
  const env = c.nodeOptions && c.kind !== 'nginx' ? { NODE_OPTIONS: c.nodeOptions } : undefined;
  const child: ChildProcess = startChild(command, args, join(dir, SERVER_LOG), false, env);
  try {
    await waitForPort(child, port);
  } catch (err) {
    await stopChild(child);
    throw new Error(`${c.label} did not start: ${(err as Error).message}`, { cause: err });
  }
  return {
    port,
    apiPort,
    pid: child.pid ?? 0,
    exitStatus: () => (child.exitCode ?? child.signalCode ?? undefined)?.toString(),
    stop: () => stopChild(child),
  };
}
