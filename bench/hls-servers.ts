// The servers of `npm run bench:hls`, each writing HLS to `<dir>/hls` with 2 s fragments.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './children.js';
import { SLUICE_CLI, launch, mergedReadBlock, nginxCommand, requireNginxRtmp, requireSluice, type Launched } from './launch.js';

export type HlsServerName = 'sluice' | 'nginx';
export const HLS_SERVER_NAMES: readonly HlsServerName[] = ['sluice', 'nginx'];
export const HLS_SERVER_LABELS: Record<HlsServerName, string> = { sluice: 'sluice', nginx: 'nginx-rtmp' };

export interface RunningHlsServer extends Launched {
  port: number;
  /** Where the media playlist of `live/<stream>` is written. */
  playlistPath(stream: string): string;
}

/** Fails early, with what to do, when a server cannot be started at all. */
export function checkPrerequisites(names: readonly HlsServerName[]): void {
  if (names.includes('sluice')) requireSluice();
  if (names.includes('nginx')) requireNginxRtmp();
}

function sluiceCommand(dir: string, port: number, httpPort: number, mergedReadMs: number): [string, string[]] {
  const conf = join(dir, 'sluice.conf');
  writeFileSync(
    conf,
    [
      `listen 127.0.0.1:${port};`,
      'max_connections 10000;',
      // One process, as nginx-rtmp runs one worker here: the figure is CPU per stream, not per core.
      'workers 1;',
      'http_api { enabled off; }',
      `http_server { enabled on; listen 127.0.0.1:${httpPort}; dir ${dir}; }`,
      `vhost __defaultVhost__ { ${mergedReadBlock(mergedReadMs)}hls { enabled on; hls_path ${join(dir, 'hls')}; hls_fragment 2; hls_window 10; } }`,
      '',
    ].join('\n'),
  );
  return [SLUICE_CLI, ['-c', conf]];
}

function nginxHlsCommand(dir: string, port: number): [string, string[]] {
  return nginxCommand(dir, port, `live on; hls on; hls_path ${join(dir, 'hls')}; hls_fragment 2s; hls_playlist_length 10s;`);
}

/**
 * Starts the server in `dir` (a fresh directory) and waits until it accepts RTMP. `mergedReadMs`
 * is Sluice's `mr_latency` (0: merged read off); nginx-rtmp has no such setting.
 */
export async function startHlsServer(name: HlsServerName, dir: string, mergedReadMs: number): Promise<RunningHlsServer> {
  const port = await freePort();
  const [command, args] = name === 'sluice' ? sluiceCommand(dir, port, await freePort(), mergedReadMs) : nginxHlsCommand(dir, port);
  return {
    port,
    // Sluice's default hls_m3u8_file is [app]/[stream].m3u8; nginx-rtmp writes <stream>.m3u8.
    playlistPath: (stream) => (name === 'sluice' ? join(dir, 'hls', 'live', `${stream}.m3u8`) : join(dir, 'hls', `${stream}.m3u8`)),
    ...(await launch({ label: HLS_SERVER_LABELS[name], command, args, dir, ports: [port] })),
  };
}
