// The servers of `npm run bench:webrtc`: Sluice and SRS 7, each taking RTMP and playing it over WHEP.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort, startChild, stopChild, waitForPort } from '../children.js';
import { SERVER_LOG } from '../servers.js';

export type RtcServerName = 'sluice' | 'srs';
export const RTC_SERVER_NAMES: readonly RtcServerName[] = ['sluice', 'srs'];

export interface RunningRtcServer {
  name: RtcServerName;
  rtmpPort: number;
  /** WHEP endpoint base (HTTP API): `${whep}?app=live&stream=NAME`. */
  whep: string;
  pid: number;
  exitStatus(): string | undefined;
  stop(): Promise<void>;
}

const SLUICE_CLI = resolve('dist', 'cli.js');

interface Ports {
  rtmp: number;
  api: number;
  udp: number;
}

function sluiceConf(dir: string, p: Ports): string {
  return [
    `listen 127.0.0.1:${p.rtmp};`,
    `data_dir ${join(dir, 'data')};`,
    `http_api { enabled on; listen 127.0.0.1:${p.api}; }`,
    'http_server { enabled off; }',
    `rtc_server { enabled on; listen ${p.udp}; candidate 127.0.0.1; }`,
    'vhost __defaultVhost__ { rtc { enabled on; rtmp_to_rtc on; } }',
    '',
  ].join('\n');
}

function srsConf(dir: string, p: Ports): string {
  return [
    `listen 127.0.0.1:${p.rtmp};`,
    'max_connections 1000;',
    'daemon off;',
    'srs_log_tank file;',
    `srs_log_file ${join(dir, 'srs.log')};`,
    `pid ${join(dir, 'srs.pid')};`,
    'query_latest_version off;',
    `http_api { enabled on; listen 127.0.0.1:${p.api}; }`,
    'http_server { enabled off; }',
    `rtc_server { enabled on; listen ${p.udp}; candidate 127.0.0.1; }`,
    'vhost __defaultVhost__ { rtc { enabled on; rtmp_to_rtc on; } }',
    '',
  ].join('\n');
}

export function checkPrerequisites(names: readonly RtcServerName[], srsPath: string | undefined): void {
  if (names.includes('sluice') && !existsSync(SLUICE_CLI)) throw new Error(`${SLUICE_CLI} not found: run \`npm run build\` first`);
  if (names.includes('srs') && (!srsPath || !existsSync(srsPath))) throw new Error(`srs needs --srs PATH to an SRS 7 binary built with --rtc=on (got ${srsPath ?? 'none'})`);
}

export function srsVersion(srsPath: string): string {
  const out = spawnSync(srsPath, ['-v'], { encoding: 'utf8', timeout: 10_000 });
  return `${out.stdout ?? ''}${out.stderr ?? ''}`.trim();
}

export async function startRtcServer(name: RtcServerName, dir: string, srsPath: string | undefined): Promise<RunningRtcServer> {
  const ports = { rtmp: await freePort(), api: await freePort(), udp: await freePort() };
  const conf = join(dir, `${name}.conf`);
  writeFileSync(conf, name === 'srs' ? srsConf(dir, ports) : sluiceConf(dir, ports));
  // Sluice started as `npx sluice` starts it: the executable, with the V8 flags of its first line.
  const child = startChild(name === 'srs' ? srsPath! : SLUICE_CLI, ['-c', conf], join(dir, SERVER_LOG));
  try {
    await waitForPort(child, ports.rtmp);
    await waitForPort(child, ports.api);
  } catch (err) {
    await stopChild(child);
    throw new Error(`${name} did not start: ${(err as Error).message}`, { cause: err });
  }
  return {
    name,
    rtmpPort: ports.rtmp,
    whep: `http://127.0.0.1:${ports.api}/rtc/v1/whep/`,
    pid: child.pid ?? 0,
    exitStatus: () => (child.exitCode ?? child.signalCode ?? undefined)?.toString(),
    stop: () => stopChild(child),
  };
}
