import type { Direction, Fingerprint, SdpCodec, SdpOffer } from './types.js';

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
  /** Header extension ids from the offer, when offered. */
  extensions: { transportCc?: number; mid?: number; absSendTime?: number; audioLevel?: number };
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

/** Chooses codecs for each m= section and writes the ICE-lite answer; SdpNegotiationError if nothing fits. */
export declare function answerOffer(offer: SdpOffer, options: AnswerOptions): Answer;
