// The servers of `npm run bench:ingest`: one config per server with every ingest listener on
// (RTMP, SRT, and RTSP where the server has it) and the HTTP API on to count what arrived.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, freeUdpPort } from './children.js';
import { SLUICE_CLI, launch, mergedReadBlock, requireFile, requireSluice, srsConfig, type Launched } from './launch.js';

export type IngestServerName = 'sluice' | 'baseline' | 'srs';
/** Where the servers that are not this checkout's live. */
export interface IngestPaths {
  srs: string | undefined;
  baseline: string | undefined;
}
export type IngestProtocol = 'rtmp' | 'srt' | 'rtsp';
export type RtspTransport = 'tcp' | 'udp';

/** How every server of a run is set up. */
export interface IngestSettings {
  /** How ffmpeg sends RTP to Sluice's RTSP server. */
  rtspTransport: RtspTransport;
  /** Sluice's `workers`. */
  workers: number;
  /** `mr_latency` of RTMP publishers, on Sluice and SRS; 0: merged read off (both servers' default). */
  mergedReadMs: number;
}

export interface RunningIngestServer extends Launched {
  ports: { rtmp: number; srt: number; rtsp: number; api: number };
}

/** Fails early, with what to do, when a server cannot be started at all. */
export function checkPrerequisites(names: readonly IngestServerName[], paths: IngestPaths): void {
  if (names.includes('sluice')) requireSluice();
  if (names.includes('baseline')) requireSluice(baselineCli(paths));
  if (names.includes('srs')) requireFile(paths.srs, `the srs cases need --srs PATH to an SRS 7 binary built with --srt=on (got ${paths.srs ?? 'none'})`);
}

function sluiceConf(dir: string, ports: RunningIngestServer['ports'], settings: IngestSettings): string {
  return [
    `listen 127.0.0.1:${ports.rtmp};`,
    `workers ${settings.workers};`,
    'max_connections 10000;',
    `data_dir ${join(dir, 'data')};`,
    `http_api { enabled on; listen 127.0.0.1:${ports.api}; }`,
    'http_server { enabled off; }',
    `srt_server { enabled on; listen 127.0.0.1:${ports.srt}; }`,
    // rtp_port 0: a free UDP pair, so runs never collide.
    `rtsp_server { enabled on; listen 127.0.0.1:${ports.rtsp}; udp ${settings.rtspTransport === 'udp' ? 'on' : 'off'}; rtp_port 0; }`,
    `vhost __defaultVhost__ { ${mergedReadBlock(settings.mergedReadMs)}}`,
    '',
  ].join('\n');
}

function srsConf(dir: string, ports: RunningIngestServer['ports'], settings: IngestSettings): string {
  return srsConfig(dir, ports.rtmp, [
    `http_api { enabled on; listen 127.0.0.1:${ports.api}; }`,
    'http_server { enabled off; }',
    'rtc_server { enabled off; }',
    // SRS takes only a port here (it binds every address).
    `srt_server { enabled on; listen ${ports.srt}; }`,
    // srt_to_rtmp: SRS demuxes the TS into its RTMP source, as Sluice demuxes into its hub.
    `vhost __defaultVhost__ { ${mergedReadBlock(settings.mergedReadMs)}srt { enabled on; srt_to_rtmp on; } }`,
  ]);
}

/** Starts the server in `dir` (a fresh directory) and waits until its RTMP and API ports accept. */
const baselineCli = (paths: IngestPaths): string => join(paths.baseline ?? '--baseline', 'dist', 'cli.js');

export async function startIngestServer(name: IngestServerName, dir: string, paths: IngestPaths, settings: IngestSettings): Promise<RunningIngestServer> {
  const ports = { rtmp: await freePort(), srt: await freeUdpPort(), rtsp: await freePort(), api: await freePort() };
  const configFile = join(dir, `${name}.conf`);
  const sluice = name !== 'srs';
  writeFileSync(configFile, sluice ? sluiceConf(dir, ports, settings) : srsConf(dir, ports, settings));
  const command = name === 'sluice' ? SLUICE_CLI : name === 'baseline' ? baselineCli(paths) : paths.srs!;
  const waitFor = sluice ? [ports.rtmp, ports.api, ports.rtsp] : [ports.rtmp, ports.api];
  return { ports, ...(await launch({ label: name, command, args: ['-c', configFile], dir, ports: waitFor, configFile })) };
}
