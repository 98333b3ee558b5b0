// The servers of `npm run bench:webrtc`: Sluice and SRS 7, each taking RTMP and playing it over WHEP.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../children.js';
import { SLUICE_CLI, launch, requireFile, requireSluice, srsConfig, type Launched } from '../launch.js';

/** `sluice-workers`: Sluice under `workers 2`, its sessions and datagrams spread over both. */
export type RtcServerName = 'sluice' | 'sluice-workers' | 'srs';
export const RTC_SERVER_NAMES: readonly RtcServerName[] = ['sluice', 'sluice-workers', 'srs'];

export interface RunningRtcServer extends Launched {
  name: RtcServerName;
  rtmpPort: number;
  /** WHEP endpoint base (HTTP API): `${whep}?app=live&stream=NAME`. */
  whep: string;
}

interface Ports {
  rtmp: number;
  api: number;
  udp: number;
}

/** The API, and WebRTC on one UDP port with the loopback address as its candidate: the same for both servers. */
const rtcLines = (p: Ports): string[] => [
  `http_api { enabled on; listen 127.0.0.1:${p.api}; }`,
  'http_server { enabled off; }',
  `rtc_server { enabled on; listen ${p.udp}; candidate 127.0.0.1; }`,
  'vhost __defaultVhost__ { rtc { enabled on; rtmp_to_rtc on; } }',
];

/** One process, as SRS; or `workers 2`. */
function sluiceConf(dir: string, p: Ports, workers: number): string {
  return [`listen 127.0.0.1:${p.rtmp};`, `workers ${workers};`, `data_dir ${join(dir, 'data')};`, ...rtcLines(p), ''].join('\n');
}

export function checkPrerequisites(names: readonly RtcServerName[], srsPath: string | undefined): void {
  if (names.some((name) => name.startsWith('sluice'))) requireSluice();
  if (names.includes('srs')) requireFile(srsPath, `srs needs --srs PATH to an SRS 7 binary built with --rtc=on (got ${srsPath ?? 'none'})`);
}

export async function startRtcServer(name: RtcServerName, dir: string, srsPath: string | undefined): Promise<RunningRtcServer> {
  const ports = { rtmp: await freePort(), api: await freePort(), udp: await freePort() };
  const conf = join(dir, `${name}.conf`);
  writeFileSync(conf, name === 'srs' ? srsConfig(dir, ports.rtmp, rtcLines(ports), 1000) : sluiceConf(dir, ports, name === 'sluice-workers' ? 2 : 1));
  const command = name === 'srs' ? srsPath! : SLUICE_CLI;
  return {
    name,
    rtmpPort: ports.rtmp,
    whep: `http://127.0.0.1:${ports.api}/rtc/v1/whep/`,
    ...(await launch({ label: name, command, args: ['-c', conf], dir, ports: [ports.rtmp, ports.api] })),
  };
}
