import { SdpError, type Direction, type SdpCandidate, type SdpCodec, type SdpMedia, type SdpOffer } from './types.js';

const MAX_SDP_BYTES = 256 * 1024;
const DIRECTIONS = new Set<string>(['sendrecv', 'sendonly', 'recvonly', 'inactive']);
/** Static payload types that may come without an rtpmap (RFC 3551 6). */
const STATIC: Record<number, [string, number]> = { 0: ['PCMU', 8000], 8: ['PCMA', 8000], 9: ['G722', 8000], 13: ['CN', 8000] };

/** Values that may sit at session level and apply to every m= section (Firefox puts them there). */
interface SessionDefaults {
  iceUfrag?: string;
  icePwd?: string;
  fingerprint?: SdpMedia['fingerprint'];
  setup?: SdpMedia['setup'];
  direction?: Direction;
}

type Draft = Omit<SdpMedia, 'iceUfrag' | 'icePwd' | 'fingerprint' | 'direction'> & Partial<SdpMedia>;

/** Parses a browser's offer; SdpError for garbage, missing ICE credentials or fingerprint. */
export function parseOffer(sdp: string): SdpOffer {
  if (sdp.length > MAX_SDP_BYTES) throw new SdpError(`SDP of ${sdp.length} bytes is too large`);
  const lines = sdp.split(/\r?\n/).filter((line) => line.length > 0);
  if (lines[0] !== 'v=0') throw new SdpError('SDP does not start with v=0');
  const offer: SdpOffer = { sessionId: '', bundle: [], iceLite: false, media: [] };
  const session: SessionDefaults = {};
  const drafts: Draft[] = [];
  let current: Draft | undefined;
  for (const [n, line] of lines.entries()) {
    if (line[1] !== '=' || !/^[a-z]$/.test(line[0]!)) throw new SdpError(`SDP line ${n + 1} is not <type>=<value>`);
    const value = line.slice(2);
    if (line[0] === 'o') offer.sessionId = value.split(' ')[1] ?? '';
    if (line[0] === 'm') {
      current = newMedia(value, n + 1);
      drafts.push(current);
    } else if (line[0] === 'a') {
      readAttribute(value, current, session, offer, n + 1);
    }
  }
  if (drafts.length === 0) throw new SdpError('SDP has no m= section');
  offer.media = drafts.map((draft) => complete(draft, session));
  return offer;
}

function newMedia(value: string, line: number): Draft {
  const [kind, port, protocol, ...formats] = value.split(' ');
  const portNumber = Number(port?.split('/')[0]);
  if (!kind || !protocol || !Number.isInteger(portNumber) || portNumber < 0 || portNumber > 65535) {
    throw new SdpError(`SDP line ${line}: malformed m= line`);
  }
  const codecs: SdpCodec[] = [];
  for (const format of formats) {
    const payloadType = Number(format);
    if (!/^\d+$/.test(format) || payloadType > 127) continue; // application sections list names, not numbers
    const known = STATIC[payloadType];
    codecs.push({ payloadType, name: known?.[0] ?? '', clockRate: known?.[1] ?? 0, fmtp: {}, rtcpFb: [] });
  }
  return { kind, port: portNumber, protocol, mid: '', rtcpMux: false, rtcpRsize: false, codecs, extmaps: [], ssrcs: [], ssrcGroups: [], candidates: [] };
}

function readAttribute(value: string, media: Draft | undefined, session: SessionDefaults, offer: SdpOffer, line: number): void {
  const colon = value.indexOf(':');
  const name = colon < 0 ? value : value.slice(0, colon);
  const rest = colon < 0 ? '' : value.slice(colon + 1);
  const scope: SessionDefaults = media ?? session;
  const bad = (what: string): never => {
    throw new SdpError(`SDP line ${line}: malformed a=${what}`);
  };
  switch (name) {
    case 'group':
      if (rest.startsWith('BUNDLE')) offer.bundle = rest.split(' ').slice(1).filter(Boolean);
      return;
    case 'ice-lite':
      offer.iceLite = true;
      return;
    case 'ice-ufrag':
      scope.iceUfrag = rest;
      return;
    case 'ice-pwd':
      scope.icePwd = rest;
      return;
    case 'fingerprint': {
      const [algorithm, hash] = rest.split(' ');
      if (!algorithm || !hash || !/^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2})+$/.test(hash)) bad('fingerprint');
      scope.fingerprint = { algorithm: algorithm!.toLowerCase(), value: hash!.toUpperCase() };
      return;
    }
    case 'setup':
      if (!['actpass', 'active', 'passive', 'holdconn'].includes(rest)) bad('setup');
      scope.setup = rest as SdpMedia['setup'];
      return;
  }
  if (DIRECTIONS.has(name)) {
    scope.direction = name as Direction;
    return;
  }
  if (!media) return;
  readMediaAttribute(name, rest, media, bad);
}

function readMediaAttribute(name: string, rest: string, media: Draft, bad: (what: string) => never): void {
  const codec = (pt: string | undefined): SdpCodec | undefined => media.codecs.find((c) => c.payloadType === Number(pt));
  switch (name) {
    case 'mid':
      media.mid = rest;
      break;
    case 'rtcp-mux':
      media.rtcpMux = true;
      break;
    case 'rtcp-rsize':
      media.rtcpRsize = true;
      break;
    case 'msid': {
      const [stream, track] = rest.split(' ');
      if (stream) media.msid = { stream, track: track ?? '' };
      break;
    }
    case 'rtpmap': {
      const match = /^(\d+) ([^/\s]+)\/(\d+)(?:\/(\d+))?$/.exec(rest);
      if (!match) bad('rtpmap');
      const target = codec(match![1]);
      if (target) {
        target.name = match![2]!;
        target.clockRate = Number(match![3]);
        if (match![4]) target.channels = Number(match![4]);
      }
      break;
    }
    case 'fmtp': {
      const space = rest.indexOf(' ');
      const target = codec(rest.slice(0, space));
      if (space < 0) bad('fmtp');
      for (const pair of rest.slice(space + 1).split(';')) {
        const eq = pair.indexOf('=');
        const key = (eq < 0 ? pair : pair.slice(0, eq)).trim();
        if (target && key) target.fmtp[eq < 0 ? key : key.toLowerCase()] = eq < 0 ? '' : pair.slice(eq + 1).trim();
      }
      break;
    }
    case 'rtcp-fb': {
      const space = rest.indexOf(' ');
      if (space < 0) bad('rtcp-fb');
      const pt = rest.slice(0, space);
      const targets = pt === '*' ? media.codecs : [codec(pt)];
      for (const target of targets) target?.rtcpFb.push(rest.slice(space + 1).trim());
      break;
    }
    case 'extmap': {
      const match = /^(\d+)(?:\/(\w+))? (\S+)/.exec(rest);
      if (!match) bad('extmap');
      const direction = match![2] && DIRECTIONS.has(match![2]) ? (match![2] as Direction) : undefined;
      media.extmaps.push({ id: Number(match![1]), uri: match![3]!, ...(direction ? { direction } : {}) });
      break;
    }
    case 'ssrc': {
      const match = /^(\d+) ([^:\s]+)(?::(.*))?$/.exec(rest);
      if (!match || Number(match[1]) > 0xffffffff) bad('ssrc');
      const ssrc = Number(match![1]);
      let entry = media.ssrcs.find((s) => s.ssrc === ssrc);
      if (!entry) media.ssrcs.push((entry = { ssrc, attributes: {} }));
      entry.attributes[match![2]!] = match![3] ?? '';
      break;
    }
    case 'ssrc-group': {
      const [semantics, ...ssrcs] = rest.split(' ');
      const numbers = ssrcs.map(Number);
      if (!semantics || numbers.some((n) => !Number.isInteger(n) || n < 0 || n > 0xffffffff)) bad('ssrc-group');
      media.ssrcGroups.push({ semantics: semantics!, ssrcs: numbers });
      break;
    }
    case 'candidate': {
      const candidate = parseCandidate(rest);
      if (candidate) media.candidates.push(candidate);
      break;
    }
  }
}

/** `a=candidate` (RFC 8839 5.1); unreadable candidates are skipped, as browsers do. */
export function parseCandidate(value: string): SdpCandidate | undefined {
  const f = value.replace(/^candidate:/, '').split(' ');
  const protocol = f[2]?.toLowerCase();
  if (f.length < 8 || (protocol !== 'udp' && protocol !== 'tcp') || f[6] !== 'typ') return undefined;
  const port = Number(f[5]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return undefined;
  const tcpAt = f.indexOf('tcptype');
  return {
    foundation: f[0]!,
    component: Number(f[1]),
    protocol,
    priority: Number(f[3]),
    address: f[4]!,
    port,
    type: f[7]!,
    ...(tcpAt > 0 && f[tcpAt + 1] ? { tcpType: f[tcpAt + 1] } : {}),
  };
}

function complete(draft: Draft, session: SessionDefaults): SdpMedia {
  const media = { ...draft } as SdpMedia;
  media.iceUfrag = draft.iceUfrag ?? session.iceUfrag ?? '';
  media.icePwd = draft.icePwd ?? session.icePwd ?? '';
  media.direction = draft.direction ?? session.direction ?? 'sendrecv';
  const fingerprint = draft.fingerprint ?? session.fingerprint;
  const setup = draft.setup ?? session.setup;
  if (setup) media.setup = setup;
  const what = `m=${media.kind} section${media.mid ? ` (mid ${media.mid})` : ''}`;
  if (media.port !== 0 || draft.iceUfrag !== undefined) {
    if (!media.iceUfrag || !media.icePwd) throw new SdpError(`${what} has no a=ice-ufrag/a=ice-pwd`);
    if (!fingerprint) throw new SdpError(`${what} has no a=fingerprint`);
  }
  media.fingerprint = fingerprint ?? { algorithm: '', value: '' };
  for (const codec of media.codecs) {
    if (!codec.name) throw new SdpError(`${what}: payload type ${codec.payloadType} has no a=rtpmap`);
  }
  return media;
}
