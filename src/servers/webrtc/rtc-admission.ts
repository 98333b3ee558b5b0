import { randomBytes } from 'node:crypto';
import { readAvcNalConfig } from '../../codecs/annexb.js';
import { readVideoTagHeader } from '../../codecs/inspect.js';
import type { RtcVhostConfig } from '../../config/rtc-schema.js';
import { Audience } from '../../hub/audience.js';
import { streamKey, type Stream } from '../../hub/stream.js';
import { answerOffer, type Answer, type LocalCandidate } from '../../protocols/webrtc/sdp/answer.js';
import { parseOffer } from '../../protocols/webrtc/sdp/parse.js';
import { SdpError, SdpNegotiationError, type SdpOffer } from '../../protocols/webrtc/sdp/types.js';
import type { DtlsCertificate } from '../../protocols/webrtc/certificate.js';
import { AccessDenied } from '../../util/errors.js';
import type { ServerContext } from '../context.js';
import { resolveVhost } from '../rtmp/stream-url.js';
import { SessionInfo } from '../session-info.js';
import { OfferRefused, SrsRtcError, badOffer } from './rtc-errors.js';
import type { StreamSsrcs } from './rtc-output.js';
import { chooseVideo, queryCodec, rtcCodecOf, type VideoChoice } from './rtc-codecs.js';
import { rtcReaches } from './rtc-reach.js';
import { sessionUfrag } from './rtc-ufrag.js';
import type { RtcOffer } from './signalling.js';

/** An offer that passed every check: what the session is built from. */
export interface Admitted {
  offer: SdpOffer;
  answer: Answer;
  info: SessionInfo;
  rtc: RtcVhostConfig;
  localUfrag: string;
  localPwd: string;
  ssrcs: StreamSsrcs;
  cname: string;
}

export interface AdmissionDeps {
  ctx: ServerContext;
  certificate: DtlsCertificate;
  candidates(host: string | undefined): LocalCandidate[];
  ssrcsOf(streamKey: string): StreamSsrcs;
  /** This worker's index (1 in one process): the session's ufrag carries it. */
  worker: number;
  /** The session's byte counters and terminate, bound once the session exists. */
  transport: { bytesSent(): number; bytesReceived(): number; terminate(reason: string): void };
}

/**
 * Turns an offer into an answer, in SRS's order: parse the SDP, check the vhost has WebRTC on,
 * negotiate codecs, then ask the gate; nothing is answered before the gate says yes. Every
 * refusal is an OfferRefused with the reason the client sees.
 */
export async function admitOffer(request: RtcOffer, deps: AdmissionDeps): Promise<Admitted> {
  const { ctx } = deps;
  let offer: SdpOffer;
  try {
    offer = parseOffer(request.sdp);
  } catch (error) {
    if (error instanceof SdpError) throw badOffer(`bad SDP offer: ${error.message}`, error);
    throw error;
  }
  const config = ctx.config.current();
  const vhost = resolveVhost(config, [request.host?.replace(/:\d+$/u, '')]);
  const rtc = (config.vhosts[vhost] ?? config.vhosts.__defaultVhost__!).rtc;
  if (!rtc.enabled) throw new OfferRefused(403, SrsRtcError.Disabled, `WebRTC is disabled for vhost ${vhost} (rtc { enabled on; })`);
  const stream = ctx.hub.find(vhost, request.app, request.stream);
  // As SRS: a play of a stream another protocol publishes now is refused; one of a stream not
  // published yet waits, and gets only a WebRTC publisher's media (hub reach, rtc-reach.ts).
  const publisher = stream?.publisher;
  if (request.action === 'play' && publisher && !rtcReaches(config, vhost, publisher.protocol, Audience.webrtc)) {
    throw new OfferRefused(403, SrsRtcError.Disabled, `Disabled rtmp_to_rtc of ${vhost}: the stream is published over ${publisher.protocol}, which plays over WebRTC only with rtc { rtmp_to_rtc on; }`);
  }
  const video = videoChoice(request, stream);
  const localUfrag = sessionUfrag(deps.worker);
  const localPwd = randomBytes(16).toString('hex').slice(0, 32);
  const ssrcs = deps.ssrcsOf(streamKey(vhost, request.app, request.stream));
  const cname = randomBytes(8).toString('hex');
  let answer: Answer;
  try {
    answer = answerOffer(offer, {
      role: request.action,
      iceUfrag: localUfrag,
      icePwd: localPwd,
      fingerprint: { algorithm: 'sha-256', value: deps.certificate.fingerprint },
      candidates: deps.candidates(request.host),
      h264ProfileLevelId: request.action === 'play' && stream ? profileLevelId(stream) : undefined,
      videoCodecs: video.preference,
      send: request.action === 'play' ? { cname, streamId: `${request.app}/${request.stream}`, video: { ssrc: ssrcs.video, rtxSsrc: ssrcs.rtx }, audio: { ssrc: ssrcs.audio } } : undefined,
    });
  } catch (error) {
    if (error instanceof SdpNegotiationError || error instanceof SdpError) throw new OfferRefused(400, SrsRtcError.SdpExchange, error.message, { cause: error });
    throw error;
  }
  if (!answer.media.some((media) => media.kind === 'video' || media.kind === 'audio')) throw new OfferRefused(400, SrsRtcError.SdpExchange, 'the offer has no audio or video WebRTC can carry');
  refuseWithoutVideo(offer, answer, video);
  const info = new SessionInfo(
    { id: ctx.sessions.newId(), protocol: 'webrtc', ip: request.ip, vhost, app: request.app, stream: request.stream, param: request.param, tcUrl: request.tcUrl, requestUrl: request.requestUrl },
    deps.transport,
  );
  await ask(ctx, info, request.action);
  return { offer, answer, info, rtc, localUfrag, localPwd, ssrcs, cname };
}

/** The video codecs this request may get: the one asked (`?codec=`), the stream's for a play. */
function videoChoice(request: RtcOffer, stream: Stream | undefined): VideoChoice {
  const asked = queryCodec(request.videoCodec);
  if (asked === null) throw new OfferRefused(400, SrsRtcError.InvalidParams, `codec=${request.videoCodec} is no video codec WebRTC carries here (h264, hevc, vp9, av1)`);
  const streamCodec = stream?.publisher ? rtcCodecOf(stream.videoTrack?.codec) : undefined;
  const choice = chooseVideo(request.action, asked, streamCodec);
  if (typeof choice === 'string') throw new OfferRefused(400, SrsRtcError.SdpExchange, choice);
  return choice;
}

/** An offer with video that cannot take the codec it must have is refused, not answered without video. */
function refuseWithoutVideo(offer: SdpOffer, answer: Answer, video: VideoChoice): void {
  if (!video.required || answer.media.some((media) => media.kind === 'video')) return;
  const offered = offer.media.find((media) => media.kind === 'video' && media.port !== 0);
  if (!offered) return;
  const names = [...new Set(offered.codecs.map((c) => c.name).filter((n) => !/^(rtx|red|ulpfec|flexfec-03)$/i.test(n)))];
  throw new OfferRefused(400, SrsRtcError.SdpExchange, `${video.required.because} and the offer's video has ${names.join(', ') || 'no codec'}`);
}

async function ask(ctx: ServerContext, info: SessionInfo, action: 'publish' | 'play'): Promise<void> {
  try {
    const admission = await (action === 'publish' ? ctx.gate.publish(info) : ctx.gate.play(info));
    if (admission.stream) info.stream = admission.stream;
  } catch (error) {
    if (error instanceof AccessDenied) {
      ctx.logger.warn({ client: info.id, ip: info.ip, stream: info.path, action, reason: error.reason }, `rtc ${action} refused`);
      throw new OfferRefused(403, SrsRtcError.AccessDenied, error.reason, { cause: error });
    }
    throw error;
  }
}

/** The profile-level-id of the stream's SPS, so the browser is offered what the source has. */
function profileLevelId(stream: Stream): string | undefined {
  const header = stream.sequenceHeaders.video;
  if (!header) return undefined;
  try {
    const tag = readVideoTagHeader(header.body);
    if (tag.codec !== 'H264') return undefined;
    const sps = readAvcNalConfig(header.body.subarray(tag.payloadOffset)).parameterSets.find((nal) => (nal[0]! & 0x1f) === 7);
    return sps?.subarray(1, 4).toString('hex');
  } catch {
    return undefined;
  }
}
