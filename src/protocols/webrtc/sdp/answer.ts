import { agreedFeedback, answerFmtp, chooseCodec, rtxFor } from './codecs.js';
import { SdpNegotiationError, type Direction, type Fingerprint, type SdpCodec, type SdpMedia, type SdpOffer } from './types.js';

/** A candidate we advertise (host only: ICE-lite). */
export interface LocalCandidate {
  address: string;
  port: number;
  protocol: 'udp' | 'tcp';
}

/** What we send in one kind of media (play): SSRCs the answer announces. */
export interface LocalSender {
  ssrc: number;
  /** RTX SSRC, used when RTX is negotiated (video). */
  rtxSsrc?: number;
}

export interface AnswerOptions {
  /** 'publish': the peer sends, we receive (WHIP); 'play': we send (WHEP). */
  role: 'publish' | 'play';
  iceUfrag: string;
  icePwd: string;
  fingerprint: Fingerprint;
  candidates: LocalCandidate[];
  /** Wanted H.264 profile-level-id (hex, e.g. '640028' from the source's SPS); none: '42e01f'. */
  h264ProfileLevelId?: string;
  /** Video codecs we accept, by preference (encoding names); default ['H264']. */
  videoCodecs?: string[];
  /** Play only: our SSRCs, CNAME and msid stream id. */
  send?: { cname: string; streamId: string; video?: LocalSender; audio?: LocalSender };
  /** o= session id; default: a random 62-bit decimal. */
  sessionId?: string;
}

/** What was agreed for one m= section. */
export interface NegotiatedMedia {
  mid: string;
  kind: 'audio' | 'video';
  /** Our direction in the answer. */
  direction: Direction;
  /** The chosen codec, with the offer's payload type and our answer's fmtp. */
  codec: SdpCodec;
  rtxPayloadType?: number;
  /** Header extension ids agreed (only transport-wide CC is answered). */
  extensions: { transportCc?: number };
  /** RTCP feedback agreed: subset of 'nack', 'nack pli', 'ccm fir', 'transport-cc', 'goog-remb'. */
  rtcpFb: string[];
  /** The peer's SSRCs (publish), from a=ssrc / ssrc-group FID. */
  remoteSsrc?: number;
  remoteRtxSsrc?: number;
  /** Our SSRCs (play). */
  localSsrc?: number;
  localRtxSsrc?: number;
}

export interface Answer {
  sdp: string;
  media: NegotiatedMedia[];
}

const TWCC_URI = 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01';
const AUDIO_CODECS = ['opus'];

/** One m= section's outcome: agreed, or refused with the reason (port 0 in the answer). */
type Outcome = { media: SdpMedia; agreed?: NegotiatedMedia; refused?: string };

/** Chooses codecs for each m= section and writes the ICE-lite answer; SdpNegotiationError if nothing fits. */
export function answerOffer(offer: SdpOffer, options: AnswerOptions): Answer {
  const outcomes = offer.media.map((media) => negotiate(media, options));
  const agreed = outcomes.flatMap((o) => (o.agreed ? [o.agreed] : []));
  if (agreed.length === 0) {
    const reasons = outcomes.map((o) => o.refused).filter(Boolean);
    throw new SdpNegotiationError(`no common codec: ${reasons.join('; ') || 'no audio or video offered'}`);
  }
  const bundled = outcomes.filter((o) => o.agreed && offer.bundle.includes(o.media.mid)).map((o) => o.media.mid);
  const lines = [
    'v=0',
    `o=- ${options.sessionId ?? randomSessionId()} 2 IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    'a=ice-lite',
    ...(bundled.length > 0 ? [`a=group:BUNDLE ${bundled.join(' ')}`] : []),
    ...(options.role === 'play' && options.send ? [`a=msid-semantic: WMS ${options.send.streamId}`] : []),
  ];
  for (const outcome of outcomes) lines.push(...section(outcome, options));
  return { sdp: lines.join('\r\n') + '\r\n', media: agreed };
}

function negotiate(media: SdpMedia, options: AnswerOptions): Outcome {
  if (media.kind !== 'audio' && media.kind !== 'video') return { media, refused: `${media.kind} is not supported` };
  if (media.port === 0) return { media, refused: `${media.kind} was rejected in the offer` };
  if (media.setup === 'passive') throw new SdpNegotiationError('the offer asks to be the DTLS server (a=setup:passive); Sluice is always passive');
  const preference = media.kind === 'audio' ? AUDIO_CODECS : (options.videoCodecs ?? ['H264']);
  const chosen = chooseCodec(media, preference, options.h264ProfileLevelId);
  if (!chosen) {
    const offered = [...new Set(media.codecs.map((c) => c.name).filter((n) => !/^(rtx|red|ulpfec|flexfec-03|CN|telephone-event)$/i.test(n)))];
    return { media, refused: `${media.kind} offers ${offered.join(', ') || 'nothing'}, we take ${preference.join(', ')}` };
  }
  const codec: SdpCodec = { ...chosen, fmtp: answerFmtp(chosen), rtcpFb: agreedFeedback(chosen, media.kind) };
  const rtx = media.kind === 'video' ? rtxFor(media, chosen.payloadType) : undefined;
  const twcc = codec.rtcpFb.includes('transport-cc') ? media.extmaps.find((e) => e.uri === TWCC_URI)?.id : undefined;
  const agreed: NegotiatedMedia = {
    mid: media.mid,
    kind: media.kind,
    direction: ourDirection(media.direction, options.role),
    codec,
    extensions: twcc !== undefined ? { transportCc: twcc } : {},
    rtcpFb: codec.rtcpFb,
  };
  if (rtx) agreed.rtxPayloadType = rtx.payloadType;
  if (options.role === 'publish') {
    const fid = media.ssrcGroups.find((g) => g.semantics === 'FID');
    const primary = fid?.ssrcs[0] ?? media.ssrcs[0]?.ssrc;
    if (primary !== undefined) agreed.remoteSsrc = primary;
    if (rtx && fid?.ssrcs[1] !== undefined) agreed.remoteRtxSsrc = fid.ssrcs[1];
  } else {
    const sender = options.send?.[media.kind];
    if (sender) {
      agreed.localSsrc = sender.ssrc;
      if (rtx && sender.rtxSsrc !== undefined) agreed.localRtxSsrc = sender.rtxSsrc;
    }
  }
  return { media, agreed };
}

/** The answer's direction: we only receive on a publish and only send on a play (RFC 3264 6.1). */
function ourDirection(offered: Direction, role: AnswerOptions['role']): Direction {
  if (role === 'publish') return offered === 'sendonly' || offered === 'sendrecv' ? 'recvonly' : 'inactive';
  return offered === 'recvonly' || offered === 'sendrecv' ? 'sendonly' : 'inactive';
}

function section({ media, agreed }: Outcome, options: AnswerOptions): string[] {
  if (!agreed) {
    const formats = media.codecs.length > 0 ? media.codecs.map((c) => c.payloadType).join(' ') : media.protocol.includes('SCTP') ? 'webrtc-datachannel' : '0';
    return [`m=${media.kind} 0 ${media.protocol} ${formats}`, 'c=IN IP4 0.0.0.0', ...(media.mid ? [`a=mid:${media.mid}`] : []), 'a=inactive'];
  }
  const { codec } = agreed;
  const rtx = agreed.rtxPayloadType;
  const pts = rtx === undefined ? [codec.payloadType] : [codec.payloadType, rtx];
  const lines = [
    `m=${media.kind} 9 ${media.protocol} ${pts.join(' ')}`,
    'c=IN IP4 0.0.0.0',
    `a=ice-ufrag:${options.iceUfrag}`,
    `a=ice-pwd:${options.icePwd}`,
    `a=fingerprint:${options.fingerprint.algorithm} ${options.fingerprint.value}`,
    'a=setup:passive',
    ...(media.mid ? [`a=mid:${media.mid}`] : []),
    ...(agreed.extensions.transportCc !== undefined ? [`a=extmap:${agreed.extensions.transportCc} ${TWCC_URI}`] : []),
    `a=${agreed.direction}`,
    'a=rtcp-mux',
    ...(media.rtcpRsize ? ['a=rtcp-rsize'] : []),
    `a=rtpmap:${codec.payloadType} ${codec.name}/${codec.clockRate}${codec.channels ? `/${codec.channels}` : ''}`,
    ...codec.rtcpFb.map((fb) => `a=rtcp-fb:${codec.payloadType} ${fb}`),
  ];
  const fmtp = Object.entries(codec.fmtp).map(([k, v]) => (v === '' ? k : `${k}=${v}`));
  if (fmtp.length > 0) lines.push(`a=fmtp:${codec.payloadType} ${fmtp.join(';')}`);
  if (rtx !== undefined) lines.push(`a=rtpmap:${rtx} rtx/${codec.clockRate}`, `a=fmtp:${rtx} apt=${codec.payloadType}`);
  if (agreed.localSsrc !== undefined && options.send && agreed.direction === 'sendonly') {
    const { cname, streamId } = options.send;
    const track = `${streamId}-${media.kind}`;
    const ssrcs = agreed.localRtxSsrc === undefined ? [agreed.localSsrc] : [agreed.localSsrc, agreed.localRtxSsrc];
    lines.push(`a=msid:${streamId} ${track}`);
    if (ssrcs.length === 2) lines.push(`a=ssrc-group:FID ${ssrcs.join(' ')}`);
    for (const ssrc of ssrcs) lines.push(`a=ssrc:${ssrc} cname:${cname}`, `a=ssrc:${ssrc} msid:${streamId} ${track}`);
  }
  options.candidates.forEach((c, i) => lines.push(candidateLine(c, i + 1)));
  if (options.candidates.length > 0) lines.push('a=end-of-candidates');
  return lines;
}

/** A host candidate (RFC 8445 5.1.2: type preference 126; TCP passive per RFC 6544). */
function candidateLine(c: LocalCandidate, foundation: number): string {
  const priority = (126 << 24) | ((c.protocol === 'udp' ? 65535 : 32767) << 8) | 255;
  const tcp = c.protocol === 'tcp' ? ' tcptype passive' : '';
  return `a=candidate:${foundation} 1 ${c.protocol} ${priority >>> 0} ${c.address} ${c.port} typ host${tcp} generation 0`;
}

function randomSessionId(): string {
  return String(Math.floor(Math.random() * 2 ** 52) + 2 ** 52);
}
