import type { ClientSession } from '../types.js';

/**
 * The notify dialect's form fields: nginx-rtmp's, in its order (checked against a capture of
 * nginx-rtmp 1.2.2), then Happytime's extra `protocol` and `url`, then the client's own query
 * arguments as they came.
 */

export type NotifyCall = 'connect' | 'publish' | 'play' | 'done' | 'publish_done' | 'play_done' | 'record_done' | 'update';

/** Field name -> value, in order. */
export type NotifyFields = Array<[string, string]>;

/** What the receiver gets for each call, as form fields (values decoded). */
export interface NotifyPayload {
  app: string;
  flashver: string;
  swfurl: string;
  tcurl: string;
  pageurl: string;
  addr: string;
  /** connect only: ms since the server started when the client connected. */
  epoch?: string;
  clientid?: string;
  call: NotifyCall;
  name?: string;
  /** publish only. */
  type?: string;
  /** play only: start and duration in ms as unsigned 32-bit (nginx), reset 0 or 1. */
  start?: string;
  duration?: string;
  reset?: string;
  /** record_done only. */
  recorder?: string;
  path?: string;
  /** update only: seconds the session has lived, and its media time in ms. */
  time?: string;
  timestamp?: string;
  /** Happytime: rtmp, httpflv, wsflv, hls. */
  protocol: string;
  /** Happytime: the URL the client asked for. */
  url: string;
  /** The client's query arguments (`?token=abc` arrives as `token=abc`). */
  [arg: string]: string | undefined;
}

const PROTOCOL_NAMES: Record<ClientSession['protocol'], string> = {
  rtmp: 'rtmp',
  'http-flv': 'httpflv',
  'ws-flv': 'wsflv',
  hls: 'hls',
  srt: 'srt',
  'rtmp-pull': 'rtmp-pull',
  'flv-pull': 'httpflv-pull',
  'virtual-live': 'virtual-live',
};

function common(s: ClientSession): NotifyFields {
  return [
    ['app', s.app],
    ['flashver', s.flashVer],
    ['swfurl', s.swfUrl],
    ['tcurl', s.clientTcUrl ?? s.tcUrl],
    ['pageurl', s.pageUrl],
    ['addr', s.ip],
  ];
}

function happytime(s: ClientSession): NotifyFields {
  return [
    ['protocol', PROTOCOL_NAMES[s.protocol]],
    ['url', s.requestUrl],
  ];
}

export function connectFields(s: ClientSession, epochMs: number): NotifyFields {
  return [...common(s), ['epoch', String(epochMs)], ['call', 'connect'], ['clientid', s.id], ...happytime(s)];
}

export function publishFields(s: ClientSession): NotifyFields {
  return [...common(s), ['clientid', s.id], ['call', 'publish'], ['name', s.stream], ['type', 'live'], ...happytime(s)];
}

export function playFields(s: ClientSession): NotifyFields {
  const play = s.playOptions ?? { start: -2, duration: -1, reset: false };
  return [
    ...common(s),
    ['clientid', s.id],
    ['call', 'play'],
    ['name', s.stream],
    ['start', uint32Ms(play.start)],
    ['duration', uint32Ms(play.duration)],
    ['reset', play.reset ? '1' : '0'],
    ...happytime(s),
  ];
}

export function doneFields(s: ClientSession, call: 'done' | 'publish_done' | 'play_done'): NotifyFields {
  return [...common(s), ['clientid', s.id], ['call', call], ['name', s.stream], ...happytime(s)];
}

export function recordDoneFields(s: ClientSession, recorder: string, path: string): NotifyFields {
  return [
    ...common(s),
    ['clientid', s.id],
    ['call', 'record_done'],
    ['recorder', recorder],
    ['name', s.stream],
    ['path', path],
    ...happytime(s),
  ];
}

export function updateFields(s: ClientSession, nowMs: number): NotifyFields {
  const livedMs = Math.max(0, nowMs - s.startedAt);
  return [
    ...common(s),
    ['clientid', s.id],
    ['call', 'update'],
    ['time', String(Math.floor(livedMs / 1000))],
    ['timestamp', String(livedMs)],
    ['name', s.stream],
    ...happytime(s),
  ];
}

/** nginx sends seconds as unsigned 32-bit milliseconds: a start of -2 s arrives as 4294965296. */
function uint32Ms(seconds: number): string {
  return String(Math.round(seconds * 1000) >>> 0);
}

/**
 * `a=b&c=d`, escaping as nginx does (space as %20, `/`, `:` and `,` left as they are), with the
 * client's query appended unchanged except for bytes that cannot travel in a URL.
 */
export function encodeForm(fields: NotifyFields, param: string): string {
  const form = fields.map(([key, value]) => `${key}=${value.replace(/[^A-Za-z0-9\-._~!$'()*,/:@]/gu, percent)}`).join('&');
  const args = param.replace(/^\?/, '').replace(/[^\x21-\x7e]|#/gu, percent);
  return args === '' ? form : `${form}&${args}`;
}

/** UTF-8 percent-encoding that cannot throw (a lone surrogate becomes U+FFFD). */
function percent(c: string): string {
  return [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
}
