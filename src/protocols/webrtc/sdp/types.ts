import { ProtocolError } from '../../../util/errors.js';

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface Fingerprint {
  /** Lowercase hash name as in the SDP, e.g. 'sha-256'. */
  algorithm: string;
  /** Uppercase colon-separated hex. */
  value: string;
}

/** One payload type of an m= section, with its rtpmap, fmtp and rtcp-fb lines. */
export interface SdpCodec {
  payloadType: number;
  /** Encoding name as written (e.g. 'H264', 'opus', 'rtx'). */
  name: string;
  clockRate: number;
  channels?: number;
  /** fmtp parameters (keys lowercased), e.g. { 'packetization-mode': '1', apt: '96' }. */
  fmtp: Record<string, string>;
  /** rtcp-fb values, e.g. ['nack', 'nack pli', 'transport-cc', 'goog-remb']. */
  rtcpFb: string[];
}

export interface SdpExtmap {
  id: number;
  uri: string;
  direction?: Direction;
}

export interface SdpSsrc {
  ssrc: number;
  /** a=ssrc:<ssrc> <name>:<value> lines, e.g. { cname: '...', msid: 'stream track' }. */
  attributes: Record<string, string>;
}

export interface SdpSsrcGroup {
  semantics: string;
  ssrcs: number[];
}

export interface SdpCandidate {
  foundation: string;
  component: number;
  protocol: 'udp' | 'tcp';
  priority: number;
  address: string;
  port: number;
  type: string;
  tcpType?: string;
}

/** One m= section of an offer. */
export interface SdpMedia {
  kind: string;
  port: number;
  protocol: string;
  mid: string;
  direction: Direction;
  iceUfrag: string;
  icePwd: string;
  fingerprint: Fingerprint;
  setup?: 'actpass' | 'active' | 'passive' | 'holdconn';
  rtcpMux: boolean;
  rtcpRsize: boolean;
  codecs: SdpCodec[];
  extmaps: SdpExtmap[];
  ssrcs: SdpSsrc[];
  ssrcGroups: SdpSsrcGroup[];
  msid?: { stream: string; track: string };
  candidates: SdpCandidate[];
}

/** A parsed offer: session-level values are already folded into each m= section. */
export interface SdpOffer {
  sessionId: string;
  bundle: string[];
  iceLite: boolean;
  media: SdpMedia[];
}

/** Garbage or incomplete SDP: answer 400. */
export class SdpError extends ProtocolError {}
/** A well-formed offer we cannot answer (no common codec...): answer 400 with this message. */
export class SdpNegotiationError extends ProtocolError {}
