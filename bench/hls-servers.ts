// The servers of `npm run bench:hls`, each writing HLS to `<dir>/hls` with 2 s fragments.
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort, startChild, stopChild, waitForPort } from './children.js';
import { SERVER_LOG, nginxCommand } from './servers.js';

export type HlsServerName = 'sluice' | 'nginx';
export const HLS_SERVER_NAMES: readonly HlsServerName[] = ['sluice', 'nginx'];
export const HLS_SERVER_LABELS: Record<HlsServerName, string> = { sluice: 'sluice', nginx: 'nginx-rtmp' };

export interface RunningHlsServer {
  port: number;
  /** The process whose tree is measured (for nginx, the single worker). */
  pid: number;
  /** Where the media playlist of `live/<stream>` is written. */
  playlistPath(stream: string): string;
  /** How the server ended, if it has. */
  exitStatus(): string | undefined;
  stop(): Promise<void>;
}

const SLUICE_CLI = resolve('dist', 'cli.js');
const NGINX_RTMP_MODULE = '/usr/lib/nginx/modules/ngx_rtmp_module.so';

/** Fails early, with what to do, when a server cannot be started at all. */
export function checkPrerequisites(names: readonly HlsServerName[]): void {
  if (names.includes('sluice') && !existsSync(SLUICE_CLI)) throw new Error(`${SLUICE_CLI} not found: run \`npm run build\` first`);
  if (names.includes('nginx') && !existsSync(NGINX_RTMP_MODULE)) {
    throw new Error(`${NGINX_RTMP_MODULE} not found: install nginx and libnginx-mod-rtmp`);
  }
}

function sluiceCommand(dir: string, port: number, httpPort: number): [string, string[]] {
  const conf = join(dir, 'sluice.conf');
  writeFileSync(
    conf,
    [
      `listen 127.0.0.1:${port};`,
      'max_connections 10000;',
      'http_api { enabled off; }',
      `http_server { enabled on; listen 127.0.0.1:${httpPort}; dir ${dir}; }`,
      `vhost __defaultVhost__ { hls { enabled on; hls_path ${join(dir, 'hls')}; hls_fragment 2; hls_window 10; } }`,
      '',
    ].join('\n'),
  );
  // Started as `npx sluice` starts it: the executable, with the V8 flags of its first line.
  return [SLUICE_CLI, ['-c', conf]];
}

function nginxHlsCommand(dir: string, port: number): [string, string[]] {
  return nginxCommand(dir, port, `live on; hls on; hls_path ${join(dir, 'hls')}; hls_fragment 2s; hls_playlist_length 10s;`);
}

/** Starts the server in `dir` (a fresh directory) and waits until it accepts RTMP. */
export async function startHlsServer(name: HlsServerName, dir: string): Promise<RunningHlsServer> {
  const port = await freePort();
  const [command, args] = name === 'sluice' ? sluiceCommand(dir, port, await freePort()) : nginxHlsCommand(dir, port);
  const child = startChild(command, args, join(dir, SERVER_LOG));
  try {
    await waitForPort(child, port);
  } catch (err) {
    await stopChild(child);
    throw new Error(`${HLS_SERVER_LABELS[name]} did not start: ${(err as Error).message}`, { cause: err });
  }
  return {
    port,
    pid: child.pid ?? 0,
    // Sluice's default hls_m3u8_file is [app]/[stream].m3u8; nginx-rtmp writes <stream>.m3u8.
    playlistPath: (stream) => (name === 'sluice' ? join(dir, 'hls', 'live', `${stream}.m3u8`) : join(dir, 'hls', `${stream}.m3u8`)),
    exitStatus: () => (child.exitCode ?? child.signalCode ?? undefined)?.toString(),
    stop: () => stopChild(child),
  };
}
