import { z } from 'zod';
import type { Endpoint } from './endpoint.js';

interface UdpListeners {
  workers: number;
  rtc_server: { enabled: boolean; listen: Endpoint };
  srt_server: { enabled: boolean; listen: Endpoint };
  rtsp_server: { enabled: boolean; udp: boolean; listen: Endpoint; rtp_port: number };
}

interface PortRange {
  name: string;
  host: string;
  from: number;
  to: number;
}

/**
 * Sluice's UDP listeners may not share a port: the second bind would fail at start (or, with
 * SO_REUSEPORT, take some of the other's datagrams). RTSP takes a pair per worker.
 */
export function checkUdpPortsApart(config: UdpListeners, workers: number, ctx: z.RefinementCtx): void {
  const ranges: PortRange[] = [];
  const { rtc_server: rtc, srt_server: srt, rtsp_server: rtsp } = config;
  if (rtc.enabled && rtc.listen.port !== 0) ranges.push({ name: 'rtc_server listen', host: rtc.listen.host, from: rtc.listen.port, to: rtc.listen.port });
  if (srt.enabled && srt.listen.port !== 0) ranges.push({ name: 'srt_server listen', host: srt.listen.host, from: srt.listen.port, to: srt.listen.port });
  if (rtsp.enabled && rtsp.udp && rtsp.rtp_port !== 0) {
    ranges.push({ name: 'rtsp_server rtp_port', host: rtsp.listen.host, from: rtsp.rtp_port, to: rtspRtpPort(rtsp.rtp_port, workers) + 1 });
  }
  for (const [i, a] of ranges.entries()) {
    for (const b of ranges.slice(i + 1)) {
      if (a.from > b.to || b.from > a.to || !sameAddress(a.host, b.host)) continue;
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${a.name} (UDP ${span(a)}) and ${b.name} (UDP ${span(b)}) share a port` });
    }
  }
}

/**
 * The RTP port worker `index` (1-based; 1 in one process) binds, RTCP the next: each worker has a
 * pair of its own. With `rtp_port 0` every worker picks a free pair.
 */
export function rtspRtpPort(rtpPort: number, index: number): number {
  return rtpPort === 0 ? 0 : rtpPort + 2 * (index - 1);
}

function span({ from, to }: PortRange): string {
  return from === to ? String(from) : `${from}-${to}`;
}

/** Two binds meet when they name the same address or either is a wildcard. */
function sameAddress(a: string, b: string): boolean {
  const wildcard = (host: string): boolean => host === '0.0.0.0' || host === '::';
  return a === b || wildcard(a) || wildcard(b);
}
