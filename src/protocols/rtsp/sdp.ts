import { ProtocolError } from '../../util/errors.js';

/** One `m=` section of a session description (RFC 4566), as RTSP publishers announce them. */
export interface MediaDescription {
  type: string; // 'video' | 'audio' | ...
  payloadType: number;
  /** Encoding name from a=rtpmap, upper-cased (H264, H265, MPEG4-GENERIC, OPUS, PCMA, PCMU...). */
  encoding: string;
  clockRate: number;
  channels?: number;
  /** a=fmtp parameters, keys lower-cased. */
  fmtp: Map<string, string>;
  /** a=control, as written (`trackID=0`, `streamid=0`, or an absolute URL). */
  control: string;
}

const MAX_MEDIA = 8;
// Static payload types a=rtpmap may leave out (RFC 3551 6).
const STATIC: Record<number, [string, number, number?]> = { 0: ['PCMU', 8000, 1], 8: ['PCMA', 8000, 1] };

/** The media sections of an SDP; sections without a payload type are skipped. */
export function parseSdp(text: string): MediaDescription[] {
  const media: MediaDescription[] = [];
  let current: MediaDescription | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('m=')) {
      const [type, , , format] = line.slice(2).split(' ');
      const payloadType = Number(format);
      current = undefined;
      if (!type || !Number.isInteger(payloadType) || payloadType < 0 || payloadType > 127) continue;
      if (media.length >= MAX_MEDIA) throw new ProtocolError(`more than ${MAX_MEDIA} media in the SDP`);
      const known = STATIC[payloadType];
      current = { type, payloadType, encoding: known?.[0] ?? '', clockRate: known?.[1] ?? 0, fmtp: new Map(), control: '' };
      if (known?.[2]) current.channels = known[2];
      media.push(current);
    } else if (current && line.startsWith('a=rtpmap:')) {
      const match = /^a=rtpmap:(\d+) ([^/\s]+)\/(\d+)(?:\/(\d+))?/.exec(line);
      if (!match || Number(match[1]) !== current.payloadType) continue;
      current.encoding = match[2]!.toUpperCase();
      current.clockRate = Number(match[3]);
      if (match[4]) current.channels = Number(match[4]);
    } else if (current && line.startsWith('a=fmtp:')) {
      const space = line.indexOf(' ');
      if (space < 0) continue;
      for (const param of line.slice(space + 1).split(';')) {
        const eq = param.indexOf('=');
        if (eq > 0) current.fmtp.set(param.slice(0, eq).trim().toLowerCase(), param.slice(eq + 1).trim());
      }
    } else if (current && line.startsWith('a=control:')) {
      current.control = line.slice('a=control:'.length);
    }
  }
  return media;
}

/** What a player's SDP describes: one track per media section, `trackID=N` controls. */
export interface SdpTrack {
  type: 'video' | 'audio';
  payloadType: number;
  /** `H264/90000`, `MPEG4-GENERIC/44100/2`, ... */
  rtpmap: string;
  fmtp?: string;
}

/** A session description for DESCRIBE (RFC 2326 C.1): aggregate control `*`, tracks `trackID=i`. */
export function buildSdp(address: string, name: string, tracks: readonly SdpTrack[]): string {
  const lines = [
    'v=0',
    `o=- ${Date.now()} 1 IN IP4 ${address}`,
    `s=${name}`,
    `c=IN IP4 0.0.0.0`,
    't=0 0',
    'a=tool:Sluice',
    'a=control:*',
  ];
  for (const [i, track] of tracks.entries()) {
    lines.push(`m=${track.type} 0 RTP/AVP ${track.payloadType}`, `a=rtpmap:${track.payloadType} ${track.rtpmap}`);
    if (track.fmtp) lines.push(`a=fmtp:${track.payloadType} ${track.fmtp}`);
    lines.push(`a=control:trackID=${i}`);
  }
  return `${lines.join('\r\n')}\r\n`;
}
