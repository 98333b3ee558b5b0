import type { ConfigSource } from '../config/source.js';
import { DEFAULT_VHOST } from '../config/schema.js';
import type { StreamIds } from '../gate/identity.js';
import type { Stream } from '../hub/stream.js';
import type { LiveClient, StreamStats } from '../servers/sessions.js';
import type { Traffic } from '../servers/traffic.js';

/** What the SRS objects are built from: the hub's streams and the `vid-` ids the hooks also send. */
export interface ObjectSources {
  config: ConfigSource;
  findStream(vhost: string, app: string, name: string): Stream | undefined;
  streamIds: StreamIds;
  vhostIds: StreamIds;
}

/** SRS's client object (SrsStatisticClient::dumps), keys in SRS's order. */
export function clientObject(src: ObjectSources, client: LiveClient, now: number): Record<string, unknown> {
  const s = client.session;
  return {
    id: s.id,
    vhost: src.vhostIds.of(s.vhost),
    stream: src.streamIds.of(client.streamUrl),
    ip: s.ip,
    pageUrl: s.pageUrl,
    swfUrl: s.swfUrl,
    tcUrl: s.tcUrl,
    url: client.streamUrl,
    name: s.stream,
    type: client.type,
    publish: client.publish,
    alive: Math.round((now - s.startedAt) / 10) / 100,
    send_bytes: s.bytesSent(),
    recv_bytes: s.bytesReceived(),
    kbps: client.traffic.kbps(),
    // A Sluice addition after SRS's keys: the SRT link's health.
    ...(client.srtLink ? { srt: client.srtLink() } : {}),
    ...(client.rtcLink ? { rtc: client.rtcLink() } : {}),
  };
}

/** SRS's stream object (SrsStatisticStream::dumps). */
export function streamObject(src: ObjectSources, stats: StreamStats, now: number): Record<string, unknown> {
  const live = src.findStream(stats.vhost, stats.app, stats.name);
  const active = live?.publisher !== undefined;
  const video = active ? live.videoTrack : undefined;
  const audio = active ? live.audioTrack : undefined;
  return {
    id: src.streamIds.of(stats.url),
    name: stats.name,
    vhost: src.vhostIds.of(stats.vhost),
    app: stats.app,
    tcUrl: stats.tcUrl,
    url: stats.url,
    live_ms: now,
    clients: stats.clients.size,
    frames: live?.videoFramesIn ?? 0,
    send_bytes: stats.traffic.sent,
    recv_bytes: stats.traffic.received,
    kbps: stats.traffic.kbps(),
    publish: stats.publisherId === undefined ? { active } : { active, cid: stats.publisherId },
    video: video ? { codec: video.codec, profile: video.profile ?? 'Other', level: video.level ?? 'Other', width: video.width ?? 0, height: video.height ?? 0 } : null,
    audio: audio ? { codec: audio.codec, sample_rate: audio.sampleRate ?? 0, channel: audio.channels ?? 0, profile: audio.profile ?? 'Other' } : null,
  };
}

/** SRS's vhost object (SrsStatisticVhost::dumps); `streams` counts the published ones. */
export function vhostObject(
  src: ObjectSources,
  vhost: { name: string; traffic: Traffic; clients: number },
  streams: number,
): Record<string, unknown> {
  const { vhosts } = src.config.current();
  const config = vhosts[vhost.name] ?? vhosts[DEFAULT_VHOST];
  const hlsEnabled = Boolean(config?.enabled && config.hls.enabled);
  return {
    id: src.vhostIds.of(vhost.name),
    name: vhost.name,
    enabled: config?.enabled ?? false,
    clients: vhost.clients,
    streams,
    send_bytes: vhost.traffic.sent,
    recv_bytes: vhost.traffic.received,
    kbps: vhost.traffic.kbps(),
    hls: hlsEnabled ? { enabled: true, fragment: config!.hls.hls_fragment } : { enabled: false },
  };
}
