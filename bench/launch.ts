// Starting the servers under test, for every bench: the binaries and what they need, the server's
// own log file, SRS's config preamble, and a process started and waited for until it listens.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startChild, stopChild, waitForPort } from './children.js';

/** The server's stdout and stderr, in its directory. */
export const SERVER_LOG = 'server.log';
/** This checkout's build; Sluice is started as `npx sluice` starts it, with the V8 flags of its first line. */
export const SLUICE_CLI = resolve('dist', 'cli.js');
const NGINX_RTMP_MODULE = '/usr/lib/nginx/modules/ngx_rtmp_module.so';

/** Fails early, with what to do, when `path` is missing. */
export function requireFile(path: string | undefined, message: string): void {
  if (!path || !existsSync(path)) throw new Error(message);
}

export function requireSluice(cli = SLUICE_CLI): void {
  requireFile(cli, `${cli} not found: run \`npm run build\` first`);
}

export function requireNginxRtmp(): void {
  requireFile(NGINX_RTMP_MODULE, `${NGINX_RTMP_MODULE} not found: install nginx and libnginx-mod-rtmp`);
}

/** What a command prints about itself (`srs -v`, `nginx -v`: stdout and stderr), trimmed. */
export function versionOf(command: string, args: string[]): string {
  const out = spawnSync(command, args, { encoding: 'utf8', timeout: 10_000 });
  return `${out.stdout ?? ''}${out.stderr ?? ''}`.trim();
}

/** nginx's and its RTMP module's versions, as nginx and dpkg report them. */
export function nginxRtmpVersion(): string {
  // nginx -v prints to stderr.
  return `${versionOf('nginx', ['-v']).replace(/^nginx version: /, '')}, libnginx-mod-rtmp ${versionOf('dpkg-query', ['-W', '-f', '${Version}', 'libnginx-mod-rtmp'])}`;
}

/** SRS's version, as it reports it, and where it is. */
export function srsVersion(path: string): string {
  return `${versionOf(path, ['-v'])} (${path})`;
}

/** SRS's vhost `publish` block turning merged read on, as Sluice reads it too; empty for 0 (off). */
export function mergedReadBlock(mergedReadMs: number): string {
  return mergedReadMs ? `publish { mr on; mr_latency ${mergedReadMs}; } ` : '';
}

/** An SRS config: in the foreground, logging to `dir`, then `lines`. */
export function srsConfig(dir: string, rtmpPort: number, lines: string[], maxConnections = 10_000): string {
  return [
    `listen 127.0.0.1:${rtmpPort};`,
    `max_connections ${maxConnections};`,
    'daemon off;',
    'srs_log_tank file;',
    `srs_log_file ${join(dir, 'srs.log')};`,
    `pid ${join(dir, 'srs.pid')};`,
    'query_latest_version off;',
    ...lines,
    '',
  ].join('\n');
}

/**
 * nginx with the RTMP module as one worker, no master, under `dir`; `application` is the body of
 * `application live { ... }`, `server` more directives of the `server` block.
 */
export function nginxCommand(dir: string, port: number, application = 'live on;', server = ''): [string, string[]] {
  requireNginxRtmp();
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

export interface Launched {
  /** The process whose tree is measured (for nginx, the single worker). */
  pid: number;
  /** Its configuration file, as written ('' when none was named). */
  config: string;
  /** How it ended, if it has. */
  exitStatus(): string | undefined;
  /** SIGKILL: the process dies at once, as a crashed server would. */
  kill(): void;
  stop(): Promise<void>;
}

export interface LaunchOptions {
  /** Names the server in the error when it does not start. */
  label: string;
  command: string;
  args: string[];
  /** Its directory: SERVER_LOG is written there. */
  dir: string;
  /** Every port it must accept connections on before it counts as started. */
  ports: number[];
  /** Its configuration file, read back for the report. */
  configFile?: string;
  /** Environment added to the bench's own (NODE_OPTIONS, say). */
  env?: Record<string, string>;
}

/** Starts a server and waits until all its ports accept; one that does not is stopped, and the error says so. */
export async function launch(o: LaunchOptions): Promise<Launched> {
  const child = startChild(o.command, o.args, join(o.dir, SERVER_LOG), false, o.env);
  try {
    for (const port of o.ports) await waitForPort(child, port);
  } catch (err) {
    await stopChild(child);
    throw new Error(`${o.label} did not start: ${(err as Error).message}`, { cause: err });
  }
  return {
    pid: child.pid ?? 0,
    config: o.configFile ? readFileSync(o.configFile, 'utf8') : '',
    exitStatus: () => (child.exitCode ?? child.signalCode ?? undefined)?.toString(),
    kill: () => child.kill('SIGKILL'),
    stop: () => stopChild(child),
  };
}
