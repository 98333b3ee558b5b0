import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StreamHub } from '../hub/stream-hub.js';
import type { Stream, StreamKey } from '../hub/stream.js';
import { sendJson, type HttpRoute } from '../servers/http/http-server.js';
import { VERSION } from '../version.js';

/** Players that are no hub readers (HLS viewer sessions), counted per stream. */
export interface ExtraViewers {
  viewersOf(stream: StreamKey): number;
}

/**
 * The SRS-compatible read-only API: versions and streams, in SRS's answer shapes. A stream's
 * `clients` are its publisher and players of every protocol, never internal readers (HLS
 * segmenter, recorders).
 */
export function apiRoutes(hub: StreamHub, extraViewers: ExtraViewers[] = []): HttpRoute {
  const describeStream = (stream: Stream): Record<string, unknown> => {
    let clients = stream.publisher ? 1 : 0;
    for (const reader of stream.readers) if (!reader.internal) clients++;
    for (const extra of extraViewers) clients += extra.viewersOf(stream);
    return describe(stream, clients);
  };
  return (request: IncomingMessage, response: ServerResponse, url: URL) => {
    if (request.method !== 'GET') return false;
    const path = url.pathname.replace(/\/+$/, '');
    if (path === '/api/v1/versions') {
      const [major, minor, revision] = VERSION.split('.').map(Number);
      sendJson(response, 200, { code: 0, pid: String(process.pid), data: { major, minor, revision, version: VERSION } });
      return true;
    }
    if (path === '/api/v1/streams') {
      sendJson(response, 200, { code: 0, pid: String(process.pid), streams: hub.list().map(describeStream) });
      return true;
    }
    return false;
  };
}

function describe(stream: Stream, clients: number): Record<string, unknown> {
  const video = stream.videoTrack;
  const audio = stream.audioTrack;
  return {
    name: stream.name,
    vhost: stream.vhost,
    app: stream.app,
    url: `/${stream.app}/${stream.name}`,
    live_ms: stream.publishedAt ?? 0,
    clients,
    frames: stream.framesIn,
    recv_bytes: stream.bytesIn,
    kbps: { recv_30s: Math.round(stream.bitrate / 1000) },
    publish: { active: stream.publisher !== undefined, cid: stream.publisher?.id ?? null },
    video: video ? { codec: video.codec, profile: video.profile, level: video.level, width: video.width, height: video.height } : null,
    audio: audio ? { codec: audio.codec, sample_rate: audio.sampleRate, channel: audio.channels, profile: audio.profile } : null,
  };
}
