// The servers of `npm run bench:gate`, each gating every player with on_connect and on_play
// against the same receiver, except the ungated Sluice baseline.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort, startChild, stopChild, waitForPort } from './children.js';
import { SERVER_LOG, nginxCommand } from './servers.js';

export type GateServerName = 'sluice' | 'sluice-hooks' | 'baseline-hooks' | 'nginx-notify' | 'srs-hooks';
export const GATE_SERVER_NAMES: readonly GateServerName[] = ['sluice', 'sluice-hooks', 'baseline-hooks', 'nginx-notify', 'srs-hooks'];
export const GATE_SERVER_LABELS: Record<GateServerName, string> = {
  sluice: 'sluice (no callbacks)',
  'sluice-hooks': 'sluice http_hooks',
  'baseline-hooks': 'baseline sluice http_hooks',
  'nginx-notify': 'nginx-rtmp notify',
  'srs-hooks': 'srs http_hooks',
};

export interface RunningGateServer {
  port: number;
  /** The process whose CPU is measured (nginx runs as one process, without a master). */
  pid: number;
  /** The server's configuration file, as written. */
  config: string;
  exitStatus(): string | undefined;
  stop(): Promise<void>;
}

const SLUICE_CLI = resolve('dist', 'cli.js');
const NGINX_RTMP_MODULE = '/usr/lib/nginx/modules/ngx_rtmp_module.so';

/** Fails early, with what to do, when a server cannot be started at all. */
export function checkPrerequisites(names: readonly GateServerName[], srsPath: string | undefined, baseline: string | undefined): void {
  if (names.includes('baseline-hooks') && (!baseline || !existsSync(baseline))) throw new Error(`baseline-hooks needs --baseline PATH to another build's dist/cli.js (got ${baseline ?? 'none'})`);
  if (names.some((n) => n.startsWith('sluice')) && !existsSync(SLUICE_CLI)) throw new Error(`${SLUICE_CLI} not found: run \`npm run build\` first`);
  if (names.includes('nginx-notify') && !existsSync(NGINX_RTMP_MODULE)) throw new Error(`${NGINX_RTMP_MODULE} not found: install nginx and libnginx-mod-rtmp`);
  if (names.includes('srs-hooks') && (!srsPath || !existsSync(srsPath))) throw new Error(`srs-hooks needs --srs PATH to an SRS 7 binary (got ${srsPath ?? 'none'})`);
}

/** The peers' versions, as they report them. */
export function peerVersions(names: readonly GateServerName[], srsPath: string | undefined): string[] {
  // nginx -v prints to stderr.
  const run = (cmd: string, args: string[]): string => {
    const out = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
    return `${out.stdout ?? ''}${out.stderr ?? ''}`.trim();
  };
  const lines: string[] = [];
  if (names.includes('nginx-notify')) {
    lines.push(`nginx-rtmp: ${run('nginx', ['-v']).replace(/^nginx version: /, '')}, libnginx-mod-rtmp ${run('dpkg-query', ['-W', '-f', '${Version}', 'libnginx-mod-rtmp'])}`);
  }
  if (names.includes('srs-hooks') && srsPath) lines.push(`srs: ${run(srsPath, ['-v'])} (${srsPath})`);
  return lines;
}

function sluiceConf(dir: string, port: number, receiver: string | undefined): string {
  const hooks = receiver ? ` http_hooks { enabled on; on_connect ${receiver}/on_connect; on_play ${receiver}/on_play; }` : '';
  return [
    `listen 127.0.0.1:${port};`,
    'max_connections 10000;',
    `data_dir ${join(dir, 'data')};`,
    'http_api { enabled off; }',
    'http_server { enabled off; }',
    `vhost __defaultVhost__ {${hooks} }`,
    '',
  ].join('\n');
}

function srsConf(dir: string, port: number, receiver: string): string {
  return [
    `listen 127.0.0.1:${port};`,
    'max_connections 10000;',
    'daemon off;',
    'srs_log_tank file;',
    `srs_log_file ${join(dir, 'srs.log')};`,
    `pid ${join(dir, 'srs.pid')};`,
    'query_latest_version off;',
    'http_api { enabled off; }',
    'http_server { enabled off; }',
    `vhost __defaultVhost__ { http_hooks { enabled on; on_connect ${receiver}/on_connect; on_play ${receiver}/on_play; } }`,
    '',
  ].join('\n');
}

/** Where the peers are: SRS's binary, and another Sluice build's dist/cli.js to compare with. */
export interface PeerPaths {
  srs?: string | undefined;
  baseline?: string | undefined;
}

function command(name: GateServerName, dir: string, port: number, receiver: string, paths: PeerPaths): [string, string[], string] {
  if (name === 'nginx-notify') {
    // nginx-rtmp takes on_connect only at the server level.
    const [cmd, args] = nginxCommand(dir, port, `live on; on_play ${receiver}/on_play;`, `on_connect ${receiver}/on_connect; `);
    return [cmd, args, join(dir, 'nginx.conf')];
  }
  const conf = join(dir, name === 'srs-hooks' ? 'srs.conf' : 'sluice.conf');
  if (name === 'srs-hooks') {
    writeFileSync(conf, srsConf(dir, port, receiver));
    return [paths.srs!, ['-c', conf], conf];
  }
  writeFileSync(conf, sluiceConf(dir, port, name === 'sluice' ? undefined : receiver));
  // Started as `npx sluice` starts it: the executable, with the V8 flags of its first line.
  return [name === 'baseline-hooks' ? paths.baseline! : SLUICE_CLI, ['-c', conf], conf];
}

/** Starts the server in `dir` (a fresh directory) and waits until it accepts RTMP. */
export async function startGateServer(name: GateServerName, dir: string, receiver: string, paths: PeerPaths): Promise<RunningGateServer> {
  const port = await freePort();
  const [cmd, args, conf] = command(name, dir, port, receiver, paths);
  const child = startChild(cmd, args, join(dir, SERVER_LOG));
  try {
    await waitForPort(child, port);
  } catch (err) {
    await stopChild(child);
    throw new Error(`${GATE_SERVER_LABELS[name]} did not start: ${(err as Error).message}`, { cause: err });
  }
  return {
    port,
    pid: child.pid ?? 0,
    config: readFileSync(conf, 'utf8'),
    exitStatus: () => (child.exitCode ?? child.signalCode ?? undefined)?.toString(),
    stop: () => stopChild(child),
  };
}
