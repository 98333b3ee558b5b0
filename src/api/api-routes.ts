import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StreamHub } from '../hub/stream-hub.js';
import type { Stream } from '../hub/stream.js';
import { sendJson, type HttpRoute } from '../servers/http/http-server.js';
import { VERSION } from '../version.js';

/** The SRS-compatible read-only API: versions and streams, in SRS's answer shapes. */
export function apiRoutes(hub: StreamHub): HttpRoute {
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

function describeStream(stream: Stream): Record<string, unknown> {
  const video = stream.videoTrack;
  const audio = stream.audioTrack;
  return {
    name: stream.name,
    vhost: stream.vhost,
    app: stream.app,
    url: `/${stream.app}/${stream.name}`,
    live_ms: stream.publishedAt ?? 0,
    clients: stream.readers.size + (stream.publisher ? 1 : 0),
    frames: stream.framesIn,
    recv_bytes: stream.bytesIn,
    kbps: { recv_30s: Math.round(stream.bitrate / 1000) },
    publish: { active: stream.publisher !== undefined, cid: stream.publisher?.id ?? null },
    video: video ? { codec: video.codec, profile: video.profile, level: video.level, width: video.width, height: video.height } : null,
    audio: audio ? { codec: audio.codec, sample_rate: audio.sampleRate, channel: audio.channels, profile: audio.profile } : null,
  };
}
