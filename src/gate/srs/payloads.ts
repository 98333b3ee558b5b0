import { DEFAULT_VHOST } from '../../config/schema.js';
import type { ServerIdentity } from '../identity.js';
import type { ClientSession, HlsSegmentClosed, RecordingFinished } from '../types.js';

/**
 * The SRS dialect's bodies, field for field and in SRS's key order (checked against captures of
 * SRS 7.0.18). Strings are never null: a missing value is `''`.
 */

interface SrsBase {
  server_id: string;
  service_id: string;
  client_id: string;
  ip: string;
  vhost: string;
  app: string;
}

export interface SrsConnectPayload extends SrsBase {
  action: 'on_connect';
  stream: string;
  param: string;
  tcUrl: string;
  pageUrl: string;
}

export interface SrsClosePayload extends SrsBase {
  action: 'on_close';
  send_bytes: number;
  recv_bytes: number;
}

export interface SrsPublishPayload extends SrsBase {
  action: 'on_publish' | 'on_unpublish';
  tcUrl: string;
  stream: string;
  param: string;
  stream_url: string;
  stream_id: string;
}

export interface SrsPlayPayload extends SrsBase {
  action: 'on_play';
  stream: string;
  tcUrl: string;
  param: string;
  pageUrl: string;
  stream_url: string;
  stream_id: string;
}

export interface SrsStopPayload extends SrsBase {
  action: 'on_stop';
  tcUrl: string;
  stream: string;
  param: string;
  stream_url: string;
  stream_id: string;
}

export interface SrsDvrPayload extends SrsBase {
  action: 'on_dvr';
  tcUrl: string;
  stream: string;
  param: string;
  cwd: string;
  file: string;
  stream_url: string;
  stream_id: string;
}

export interface SrsHlsPayload extends SrsBase {
  action: 'on_hls';
  tcUrl: string;
  stream: string;
  param: string;
  /** Seconds, sent with two decimals (`2.00`). */
  duration: number;
  cwd: string;
  file: string;
  url: string;
  m3u8: string;
  m3u8_url: string;
  seq_no: number;
  stream_url: string;
  stream_id: string;
}

export type SrsPayload =
  | SrsConnectPayload
  | SrsClosePayload
  | SrsPublishPayload
  | SrsPlayPayload
  | SrsStopPayload
  | SrsDvrPayload
  | SrsHlsPayload;

/** The stream's name without the `.m3u8` an HLS player asks for (SRS's stream_url has none). */
export function streamName(session: ClientSession): string {
  return session.protocol === 'hls' ? session.stream.replace(/\.m3u8$/, '') : session.stream;
}

/** SRS keeps an SRT stream id's query without its `?` (srs_srt_streamid_to_request). */
export function srsParam(session: ClientSession): string {
  return session.protocol === 'srt' ? session.param.replace(/^\?/, '') : session.param;
}

/** `/app/stream`, or `vhost/app/stream` for a vhost other than the default (as SRS). */
export function streamUrl(session: ClientSession): string {
  return streamUrlOf(session.vhost, session.app, streamName(session));
}

/** The same URL from its parts (the key of SRS's `stream_id`). */
export function streamUrlOf(vhost: string, app: string, stream: string): string {
  const path = `/${app}/${stream}`;
  return vhost === DEFAULT_VHOST ? path : `${vhost}${path}`;
}

/** Builds the bodies for one server; `streamId` gives the stable id of a stream URL. */
export class SrsPayloads {
  constructor(
    private readonly identity: ServerIdentity,
    private readonly streamId: (streamUrl: string) => string,
  ) {}

  private ids() {
    return { server_id: this.identity.serverId, service_id: this.identity.serviceId };
  }

  private stream(s: ClientSession) {
    const url = streamUrl(s);
    return { stream_url: url, stream_id: this.streamId(url) };
  }

  connect(s: ClientSession): SrsConnectPayload {
    return {
      ...this.ids(), action: 'on_connect', client_id: s.id, ip: s.ip, vhost: s.vhost, app: s.app,
      stream: s.stream, param: srsParam(s), tcUrl: s.tcUrl, pageUrl: s.pageUrl,
    };
  }

  close(s: ClientSession): SrsClosePayload {
    return {
      ...this.ids(), action: 'on_close', client_id: s.id, ip: s.ip, vhost: s.vhost, app: s.app,
      send_bytes: Math.trunc(s.bytesSent()), recv_bytes: Math.trunc(s.bytesReceived()),
    };
  }

  publish(s: ClientSession, action: 'on_publish' | 'on_unpublish'): SrsPublishPayload {
    return {
      ...this.ids(), action, client_id: s.id, ip: s.ip, vhost: s.vhost, app: s.app,
      tcUrl: s.tcUrl, stream: s.stream, param: srsParam(s), ...this.stream(s),
    };
  }

  play(s: ClientSession): SrsPlayPayload {
    return {
      ...this.ids(), action: 'on_play', client_id: s.id, ip: s.ip, vhost: s.vhost, app: s.app,
      stream: s.stream, tcUrl: s.tcUrl, param: srsParam(s), pageUrl: s.pageUrl, ...this.stream(s),
    };
  }

  stop(s: ClientSession): SrsStopPayload {
    return {
      ...this.ids(), action: 'on_stop', client_id: s.id, ip: s.ip, vhost: s.vhost, app: s.app,
      tcUrl: s.tcUrl, stream: s.stream, param: srsParam(s), ...this.stream(s),
    };
  }

  dvr(info: RecordingFinished): SrsDvrPayload {
    const s = info.session;
    return {
      ...this.ids(), action: 'on_dvr', client_id: s.id, ip: s.ip, vhost: s.vhost, app: s.app,
      tcUrl: s.tcUrl, stream: s.stream, param: srsParam(s), cwd: info.cwd, file: info.file, ...this.stream(s),
    };
  }

  hls(info: HlsSegmentClosed): SrsHlsPayload {
    const s = info.session;
    return {
      ...this.ids(), action: 'on_hls', client_id: s.id, ip: s.ip, vhost: s.vhost, app: s.app,
      tcUrl: s.tcUrl, stream: s.stream, param: srsParam(s), duration: info.duration, cwd: info.cwd,
      file: info.file, url: info.url, m3u8: info.m3u8, m3u8_url: info.m3u8Url, seq_no: Math.trunc(info.seqNo),
      ...this.stream(s),
    };
  }

  /** on_hls_notify's GET URL: the template's placeholders replaced, without URL-encoding (as SRS). */
  hlsNotifyUrl(template: string, info: HlsSegmentClosed): string {
    const s = info.session;
    const dir = info.m3u8Url.includes('/') ? info.m3u8Url.slice(0, info.m3u8Url.lastIndexOf('/') + 1) : '';
    const tsUrl = dir !== '' && info.url.startsWith(dir) ? info.url.slice(dir.length) : info.url;
    const values: Record<string, string> = {
      '[server_id]': this.identity.serverId,
      '[service_id]': this.identity.serviceId,
      '[app]': s.app,
      '[stream]': streamName(s),
      '[ts_url]': tsUrl,
      '[param]': srsParam(s),
    };
    return template.replace(/\[(server_id|service_id|app|stream|ts_url|param)\]/g, (token) => values[token]!);
  }
}

/** Compact JSON in the payload's key order; `duration` with two decimals as SRS writes it. */
export function srsJson(payload: SrsPayload): string {
  // JSON.stringify keeps the key order; only `duration` needs a hand.
  if (!('duration' in payload)) return JSON.stringify(payload);
  const fields = Object.entries(payload).map(([key, value]) => {
    const text = key === 'duration' ? fixed2(value as number) : JSON.stringify(value);
    return `${JSON.stringify(key)}:${text}`;
  });
  return `{${fields.join(',')}}`;
}

function fixed2(value: number): string {
  return Number.isFinite(value) ? value.toFixed(2) : '0.00';
}
