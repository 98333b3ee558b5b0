import type { SluiceConfig } from '../../config/schema.js';
import { Audience } from '../../hub/audience.js';

/**
 * SRS's bridges between WebRTC and the other protocols, as the hub's reach policy (vhost `rtc`
 * block): a WebRTC publish reaches RTMP, HTTP-FLV, HLS, SRT, RTSP, recorders and forwards only
 * with `rtc_to_rtmp on`; any other publish reaches WebRTC players only with `rtmp_to_rtc on`.
 * Read when a publish starts, so a reload applies to the next one.
 */
export function rtcReaches(config: SluiceConfig, vhost: string, publisherProtocol: string, audience: string | undefined): boolean {
  const fromRtc = publisherProtocol === 'webrtc';
  if (fromRtc === (audience === Audience.webrtc)) return true;
  const { rtc } = (config.vhosts[vhost] ?? config.vhosts.__defaultVhost__)!;
  return fromRtc ? rtc.rtc_to_rtmp : rtc.rtmp_to_rtc;
}
