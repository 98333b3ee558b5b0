import type { z } from 'zod/v4';
import type { StreamIds } from '../../gate/identity.js';
import type { Stream as HubStream } from '../../hub/stream.js';
import type { LiveClient, RtcLinkFigures, SrtLinkFigures, StreamStats } from '../../servers/sessions.js';
import type { RtcLink, Session, SrtLink, Stream, StreamReader } from './schemas.js';

/** Where the views are read from: the hub's streams and the ids the SRS API and callbacks use. */
export interface ViewSources {
  findStream(vhost: string, app: string, name: string): HubStream | undefined;
  streamIds: StreamIds;
}

export function sessionView(src: ViewSources, client: LiveClient, now: number): z.output<typeof Session> {
  const s = client.session;
  return {
    id: s.id,
    protocol: s.protocol,
    kind: client.publish ? 'publish' : 'play',
    type: client.type,
    ip: s.ip,
    vhost: s.vhost,
    app: s.app,
    stream: s.stream,
    streamId: src.streamIds.of(client.streamUrl),
    url: client.streamUrl,
    startedAt: s.startedAt,
    aliveSeconds: Math.max(0, (now - s.startedAt) / 1000),
    sendBytes: s.bytesSent(),
    recvBytes: s.bytesReceived(),
    kbps: client.traffic.kbps(),
    ...(client.srtLink ? { srt: srtView(client.srtLink()) } : {}),
    ...(client.rtcLink ? { rtc: rtcView(client.rtcLink()) } : {}),
  };
}

function srtView(link: SrtLinkFigures): z.output<typeof SrtLink> {
  return { rttMs: link.rtt_ms, packetsLost: link.pkt_loss, packetsRetransmitted: link.pkt_retrans };
}

function rtcView(link: RtcLinkFigures): z.output<typeof RtcLink> {
  return {
    rttMs: link.rtt_ms,
    packetsLost: link.pkt_loss,
    packetsRetransmitted: link.pkt_retrans,
    nacksReceived: link.nack_received,
    nacksSent: link.nack_sent,
    plisReceived: link.pli_received,
    plisSent: link.pli_sent,
  };
}

export function streamView(src: ViewSources, stats: StreamStats, now: number): z.output<typeof Stream> {
  const live = src.findStream(stats.vhost, stats.app, stats.name);
  const publishing = live?.publisher !== undefined;
  const clients = [...stats.clients];
  const publisher = clients.find((c) => c.publish && c.session.id === live?.publisher?.session.id);
  const video = publishing ? live!.videoTrack : undefined;
  const audio = publishing ? live!.audioTrack : undefined;
  const players = clients.filter((c) => !c.publish).map((c) => ({ id: c.session.id, kind: 'session' as const, internal: false, protocol: c.session.protocol }));
  const internal = [...(live?.readers ?? [])].filter((r) => r.internal).map(internalReader);
  return {
    id: src.streamIds.of(stats.url),
    vhost: stats.vhost,
    app: stats.app,
    name: stats.name,
    url: stats.url,
    publishing,
    publisher: publisher ? sessionView(src, publisher, now) : null,
    tracks: {
      video: video ? { codec: video.codec, profile: video.profile ?? null, level: video.level ?? null, width: video.width ?? null, height: video.height ?? null } : null,
      audio: audio ? { codec: audio.codec, profile: audio.profile ?? null, sampleRate: audio.sampleRate ?? null, channels: audio.channels ?? null } : null,
    },
    readers: [...players, ...internal],
    bitrate: live?.bitrate ?? 0,
    kbps: stats.traffic.kbps(),
    frames: { total: live?.framesIn ?? 0, video: live?.videoFramesIn ?? 0 },
    uptimeSeconds: live?.publishedAt !== undefined ? Math.max(0, (now - live.publishedAt) / 1000) : null,
    sendBytes: stats.traffic.sent,
    recvBytes: stats.traffic.received,
  };
}

// Internal readers name their role in their id (`hls-...`, `recorder-...`).
function internalReader(reader: { readonly id: string }): z.output<typeof StreamReader> {
  const kind = reader.id.startsWith('hls-') ? 'hls-muxer' : reader.id.startsWith('recorder-') ? 'recorder' : 'internal';
  return { id: reader.id, kind, internal: true, protocol: null };
}
