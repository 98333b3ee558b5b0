// The receiver's side of WHEP signalling: a recvonly offer as a browser writes one, and what the
// receiver needs from the server's answer.
import { parseOffer } from '../../src/protocols/webrtc/sdp/parse.js';

export interface OfferIdentity {
  ufrag: string;
  pwd: string;
  /** sha-256 fingerprint of the receiver's DTLS certificate, 'AB:CD:..'. */
  fingerprint: string;
}

/** Opus and H.264 baseline (packetization-mode 1) with NACK and PLI, bundled and rtcp-muxed. */
export function recvonlyOffer(id: OfferIdentity): string {
  const common = (mid: number) => [
    'c=IN IP4 0.0.0.0',
    'a=rtcp:9 IN IP4 0.0.0.0',
    `a=ice-ufrag:${id.ufrag}`,
    `a=ice-pwd:${id.pwd}`,
    `a=fingerprint:sha-256 ${id.fingerprint}`,
    'a=setup:actpass',
    `a=mid:${mid}`,
    'a=recvonly',
    'a=rtcp-mux',
    'a=rtcp-rsize',
  ];
  return [
    'v=0',
    `o=- ${Date.now()} 2 IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    'a=group:BUNDLE 0 1',
    'a=msid-semantic: WMS',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    ...common(0),
    'a=rtpmap:111 opus/48000/2',
    'a=rtcp-fb:111 nack',
    'a=fmtp:111 minptime=10;useinbandfec=1',
    'm=video 9 UDP/TLS/RTP/SAVPF 106',
    ...common(1),
    'a=rtpmap:106 H264/90000',
    'a=rtcp-fb:106 nack',
    'a=rtcp-fb:106 nack pli',
    'a=fmtp:106 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
    '',
  ].join('\r\n');
}

export interface AnswerFacts {
  ufrag: string;
  pwd: string;
  fingerprint: { algorithm: string; value: string };
  /** The first UDP candidate (ICE-lite servers give host candidates only). */
  candidate: { address: string; port: number };
  /** Clock rate by payload type. */
  clockRates: Map<number, number>;
}

export function readAnswer(sdp: string): AnswerFacts {
  const answer = parseOffer(sdp);
  const first = answer.media[0];
  if (!first) throw new Error('answer has no m= section');
  const candidate = answer.media.flatMap((m) => m.candidates).find((c) => c.protocol === 'udp' && c.address.includes('.'));
  if (!candidate) throw new Error('answer has no IPv4 UDP candidate');
  const clockRates = new Map<number, number>();
  for (const m of answer.media) for (const c of m.codecs) clockRates.set(c.payloadType, c.clockRate);
  return { ufrag: first.iceUfrag, pwd: first.icePwd, fingerprint: first.fingerprint, candidate, clockRates };
}
