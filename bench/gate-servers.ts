// The servers of `npm run bench:gate`, each gating every player with on_connect and on_play
// against the same receiver, except the ungated Sluice baseline.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './children.js';
import { SLUICE_CLI, launch, nginxCommand, nginxRtmpVersion, requireFile, requireNginxRtmp, requireSluice, srsConfig, srsVersion, type Launched } from './launch.js';

export type GateServerName = 'sluice' | 'sluice-hooks' | 'baseline-hooks' | 'nginx-notify' | 'srs-hooks';
export const GATE_SERVER_NAMES: readonly GateServerName[] = ['sluice', 'sluice-hooks', 'baseline-hooks', 'nginx-notify', 'srs-hooks'];
export const GATE_SERVER_LABELS: Record<GateServerName, string> = {
  sluice: 'sluice (no callbacks)',
  'sluice-hooks': 'sluice http_hooks',
  'baseline-hooks': 'baseline sluice http_hooks',
  'nginx-notify': 'nginx-rtmp notify',
  'srs-hooks': 'srs http_hooks',
};

export interface RunningGateServer extends Launched {
  port: number;
}

/** Fails early, with what to do, when a server cannot be started at all. */
export function checkPrerequisites(names: readonly GateServerName[], srsPath: string | undefined, baseline: string | undefined): void {
  if (names.includes('baseline-hooks')) requireFile(baseline, `baseline-hooks needs --baseline PATH to another build's dist/cli.js (got ${baseline ?? 'none'})`);
  if (names.some((n) => n.startsWith('sluice'))) requireSluice();
  if (names.includes('nginx-notify')) requireNginxRtmp();
  if (names.includes('srs-hooks')) requireFile(srsPath, `srs-hooks needs --srs PATH to an SRS 7 binary (got ${srsPath ?? 'none'})`);
}

/** The peers' versions, as they report them. */
export function peerVersions(names: readonly GateServerName[], srsPath: string | undefined): string[] {
  const lines: string[] = [];
  if (names.includes('nginx-notify')) lines.push(`nginx-rtmp: ${nginxRtmpVersion()}`);
  if (names.includes('srs-hooks') && srsPath) lines.push(`srs: ${srsVersion(srsPath)}`);
  return lines;
}

function sluiceConf(dir: string, port: number, receiver: string | undefined, workers: number): string {
  const hooks = receiver ? ` http_hooks { enabled on; on_connect ${receiver}/on_connect; on_play ${receiver}/on_play; }` : '';
  return [
    `listen 127.0.0.1:${port};`,
    'max_connections 10000;',
    `workers ${workers};`,
    `data_dir ${join(dir, 'data')};`,
    'http_api { enabled off; }',
    'http_server { enabled off; }',
    `vhost __defaultVhost__ {${hooks} }`,
    '',
  ].join('\n');
}

function srsConf(dir: string, port: number, receiver: string): string {
  return srsConfig(dir, port, [
    'http_api { enabled off; }',
    'http_server { enabled off; }',
    `vhost __defaultVhost__ { http_hooks { enabled on; on_connect ${receiver}/on_connect; on_play ${receiver}/on_play; } }`,
  ]);
}

/** Where the peers are: SRS's binary, and another Sluice build's dist/cli.js to compare with. */
export interface PeerPaths {
  srs?: string | undefined;
  baseline?: string | undefined;
}

function command(name: GateServerName, dir: string, port: number, receiver: string, paths: PeerPaths, workers: number): [string, string[], string] {
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
  writeFileSync(conf, sluiceConf(dir, port, name === 'sluice' ? undefined : receiver, workers));
  return [name === 'baseline-hooks' ? paths.baseline! : SLUICE_CLI, ['-c', conf], conf];
}

/** Starts the server in `dir` (a fresh directory) and waits until it accepts RTMP. */
/** `workers`: Sluice's (1, one process as SRS, unless asked). */
export async function startGateServer(name: GateServerName, dir: string, receiver: string, paths: PeerPaths, workers: number): Promise<RunningGateServer> {
  const port = await freePort();
  const [cmd, args, configFile] = command(name, dir, port, receiver, paths, workers);
  return { port, ...(await launch({ label: GATE_SERVER_LABELS[name], command: cmd, args, dir, ports: [port], configFile })) };
}
