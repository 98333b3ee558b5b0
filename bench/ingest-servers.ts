// The servers of `npm run bench:ingest`: one config per server with every ingest listener on
// (RTMP, SRT, and RTSP where the server has it) and the HTTP API on to count what arrived.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort, freeUdpPort, startChild, stopChild, waitForPort } from './children.js';
import { SERVER_LOG } from './servers.js';

export type IngestServerName = 'sluice' | 'srs';
export type IngestProtocol = 'rtmp' | 'srt' | 'rtsp';
export type RtspTransport = 'tcp' | 'udp';

export interface RunningIngestServer {
  ports: { rtmp: number; srt: number; rtsp: number; api: number };
  /** The process whose tree is measured. */
  pid: number;
  /** The server's configuration file, as written. */
  config: string;
  exitStatus(): string | undefined;
  stop(): Promise<void>;
}

const SLUICE_CLI = resolve('dist', 'cli.js');

/** Fails early, with what to do, when a server cannot be started at all. */
export function checkPrerequisites(names: readonly IngestServerName[], srsPath: string | undefined): void {
  if (names.includes('sluice') && !existsSync(SLUICE_CLI)) throw new Error(`${SLUICE_CLI} not found: run \`npm run build\` first`);
  if (names.includes('srs') && (!srsPath || !existsSync(srsPath))) throw new Error(`the srs cases need --srs PATH to an SRS 7 binary built with --srt=on (got ${srsPath ?? 'none'})`);
}

/** SRS's version, as `srs -v` prints it. */
export function srsVersion(srsPath: string): string {
  const out = spawnSync(srsPath, ['-v'], { encoding: 'utf8', timeout: 10_000 });
  return `${out.stdout ?? ''}${out.stderr ?? ''}`.trim();
}

function sluiceConf(dir: string, ports: RunningIngestServer['ports'], transport: RtspTransport): string {
  return [
    `listen 127.0.0.1:${ports.rtmp};`,
    'max_connections 10000;',
    `data_dir ${join(dir, 'data')};`,
    `http_api { enabled on; listen 127.0.0.1:${ports.api}; }`,
    'http_server { enabled off; }',
    `srt_server { enabled on; listen 127.0.0.1:${ports.srt}; }`,
    // rtp_port 0: a free UDP pair, so runs never collide.
    `rtsp_server { enabled on; listen 127.0.0.1:${ports.rtsp}; udp ${transport === 'udp' ? 'on' : 'off'}; rtp_port 0; }`,
    'vhost __defaultVhost__ { }',
    '',
  ].join('\n');
}

function srsConf(dir: string, ports: RunningIngestServer['ports']): string {
  return [
    `listen 127.0.0.1:${ports.rtmp};`,
    'max_connections 10000;',
    'daemon off;',
    'srs_log_tank file;',
    `srs_log_file ${join(dir, 'srs.log')};`,
    `pid ${join(dir, 'srs.pid')};`,
    'query_latest_version off;',
    `http_api { enabled on; listen 127.0.0.1:${ports.api}; }`,
    'http_server { enabled off; }',
    'rtc_server { enabled off; }',
    // SRS takes only a port here (it binds every address).
    `srt_server { enabled on; listen ${ports.srt}; }`,
    // srt_to_rtmp: SRS demuxes the TS into its RTMP source, as Sluice demuxes into its hub.
    'vhost __defaultVhost__ { srt { enabled on; srt_to_rtmp on; } }',
    '',
  ].join('\n');
}

/** Starts the server in `dir` (a fresh directory) and waits until its RTMP and API ports accept. */
export async function startIngestServer(name: IngestServerName, dir: string, srsPath: string | undefined, transport: RtspTransport): Promise<RunningIngestServer> {
  const ports = { rtmp: await freePort(), srt: await freeUdpPort(), rtsp: await freePort(), api: await freePort() };
  const conf = join(dir, `${name}.conf`);
  writeFileSync(conf, name === 'sluice' ? sluiceConf(dir, ports, transport) : srsConf(dir, ports));
  // Sluice is started as `npx sluice` starts it: the executable, with the V8 flags of its first line.
  const child = startChild(name === 'sluice' ? SLUICE_CLI : srsPath!, ['-c', conf], join(dir, SERVER_LOG));
  try {
    await waitForPort(child, ports.rtmp);
    await waitForPort(child, ports.api);
    if (name === 'sluice') await waitForPort(child, ports.rtsp);
  } catch (err) {
    await stopChild(child);
    throw new Error(`${name} did not start: ${(err as Error).message}`, { cause: err });
  }
  return {
    ports,
    pid: child.pid ?? 0,
    config: readFileSync(conf, 'utf8'),
    exitStatus: () => (child.exitCode ?? child.signalCode ?? undefined)?.toString(),
    stop: () => stopChild(child),
  };
}
