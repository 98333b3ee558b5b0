import { randomBytes } from 'node:crypto';
import { followTracks } from '../../codecs/describe.js';
import type { Stream } from '../../hub/stream.js';
import type { MediaFrame } from '../../media/frame.js';
import type { DtlsCertificate } from '../../protocols/webrtc/certificate.js';
import type { LocalCandidate, NegotiatedMedia } from '../../protocols/webrtc/sdp/answer.js';
import { OpusIngest } from '../../transcode/opus-ingest.js';
import type { ConnectionSlot, ServerContext } from '../context.js';
import { admitOffer, type Admitted } from './rtc-admission.js';
import { OfferRefused, SrsRtcError } from './rtc-errors.js';
import { rtcCodecOfSdp } from './rtc-codecs.js';
import { RtcLinkCounters } from './rtc-link.js';
import type { RtcOutputs } from './rtc-output.js';
import { RtcPlayer, type AudioSource, type PlayTracks } from './rtc-play.js';
import { RtcPublisher, type PublishTracks } from './rtc-publish.js';
import { RtcSession, type Publishing } from './rtc-session.js';
import { RtcSource, type RtcSources } from './rtc-sources.js';
import { RtcTransport, type TransportOptions } from './rtc-transport.js';
import type { RtcOffer } from './signalling.js';

export interface StartDeps {
  ctx: ServerContext;
  certificate: DtlsCertificate;
  outputs: RtcOutputs;
  slot: ConnectionSlot;
  candidates(host: string | undefined): LocalCandidate[];
  /** This worker's index (1 in one process). */
  worker: number;
  send: TransportOptions['send'];
  pacer: TransportOptions['pacer'];
  slab: TransportOptions['slab'];
  audioFor: AudioSource;
  /** Asks the stream's publisher for a keyframe; false when it cannot be asked (not over WebRTC). */
  requestKeyframe(stream: Stream): boolean;
  /** WebRTC publishers by stream: their Opus and keyframe requests, for WebRTC players. */
  sources: RtcSources;
  ended(session: RtcSession): void;
}

/**
 * Builds an admitted offer's session: its transport, and its player (made when DTLS is up) or
 * its publisher (the stream claimed now, so a busy stream is refused before any answer).
 */
export async function startSession(request: RtcOffer, deps: StartDeps): Promise<RtcSession> {
  const { ctx } = deps;
  let session: RtcSession | undefined;
  const admitted = await admitOffer(request, {
    ctx,
    certificate: deps.certificate,
    candidates: deps.candidates,
    worker: deps.worker,
    ssrcsOf: (key) => deps.outputs.ssrcsOf(key),
    transport: {
      bytesSent: () => session?.transport.bytesSent ?? 0,
      bytesReceived: () => session?.transport.bytesReceived ?? 0,
      terminate: (reason) => session?.end(reason),
    },
  });
  const { info, answer, rtc } = admitted;
  const counters = new RtcLinkCounters();
  const log = ctx.logger.child({ client: info.id, protocol: 'webrtc' });
  const remote = admitted.offer.media[0]!;
  const parts = {
    localUfrag: admitted.localUfrag,
    localPwd: admitted.localPwd,
    remoteUfrag: remote.iceUfrag,
    token: randomBytes(12).toString('hex'),
    answerSdp: answer.sdp,
    stunTimeoutMs: rtc.stun_timeout * 1000,
  };
  const media = (kind: 'video' | 'audio'): NegotiatedMedia | undefined => answer.media.find((m) => m.kind === kind && m.direction !== 'inactive');
  const transport = new RtcTransport({
    localUfrag: parts.localUfrag,
    localPwd: parts.localPwd,
    remoteUfrag: parts.remoteUfrag,
    certificate: deps.certificate,
    remoteFingerprint: remote.fingerprint,
    send: deps.send,
    pacer: deps.pacer,
    slab: deps.slab,
    log,
    onConnected: () => session!.connected(),
    onRtp: (packet) => session!.rtp(packet),
    onRtcp: (packet) => session!.rtcp(packet),
    onClose: (reason) => session!.end(reason),
  });
  if (request.action === 'publish') {
    const publishing = startPublishing(admitted, transport, counters, media, deps, (reason) => session?.end(reason), log);
    session = new RtcSession(ctx, info, transport, parts, deps.slot, counters, { publishing }, deps.ended);
  } else {
    const play = (): { player: RtcPlayer; audio: AudioSource | undefined } => {
      const stream = ctx.hub.acquire(info.vhost, info.app, info.stream);
      const keyframe = (): boolean => deps.requestKeyframe(stream);
      return { player: new RtcPlayer(info.id, stream, playTracks(admitted, stream, deps.outputs, media, log), transport, counters, keyframe, log), audio: deps.audioFor };
    };
    session = new RtcSession(ctx, info, transport, parts, deps.slot, counters, { play }, deps.ended);
  }
  ctx.sessions.add(info, request.action === 'publish' ? 'rtc-publish' : 'rtc-play', undefined, () => counters.figures());
  log.info({ ip: info.ip, stream: info.path, action: request.action, param: info.param, session: session.id, media: answer.media.map((m) => `${m.kind}/${m.codec.name}/${m.codec.payloadType}`) }, 'rtc offer answered');
  return session;
}

/**
 * Claims the stream for a publisher (a busy stream is refused before any answer) and wires its
 * media: video to the hub, Opus to the stream's WebRTC players as it is and to the hub as AAC.
 */
function startPublishing(
  admitted: Admitted,
  transport: RtcTransport,
  counters: RtcLinkCounters,
  media: (kind: 'video' | 'audio') => NegotiatedMedia | undefined,
  deps: StartDeps,
  end: (reason: string) => void,
  log: RtcSessionLog,
): Publishing {
  const { info, rtc } = admitted;
  const { ctx } = deps;
  const stream = ctx.hub.acquire(info.vhost, info.app, info.stream);
  const publisher = { id: info.id, protocol: 'webrtc', session: info, close: end };
  if (!stream.attachPublisher(publisher)) {
    ctx.gate.unpublished(info);
    ctx.gate.closed(info);
    throw new OfferRefused(409, SrsRtcError.StreamBusy, `stream ${info.path} is already publishing`);
  }
  const video = media('video');
  const audio = media('audio');
  const tracks: PublishTracks = {
    video: video && { codec: rtcCodecOfSdp(video.codec.name), payloadType: video.codec.payloadType, rtxPayloadType: video.rtxPayloadType, ssrc: video.remoteSsrc },
    audio: audio && { payloadType: audio.codec.payloadType, channels: audio.codec.channels === 1 ? 1 : 2 },
    transportCc: rtc.twcc ? (video?.extensions.transportCc ?? audio?.extensions.transportCc) : undefined,
    remb: Boolean(video?.rtcpFb.includes('goog-remb')),
  };
  const publish = (frame: MediaFrame): void => {
    followTracks(stream, frame);
    stream.push(frame);
  };
  // The AAC comes a moment after the video (the transcoder starts): a keyframe right after it lets
  // HLS start a segment with both tracks at once instead of at the next keyframe.
  let audioSeen = false;
  const publishAudio = (frame: MediaFrame): void => {
    publish(frame);
    if (audioSeen || frame.sequenceHeader) return;
    audioSeen = true;
    publishing.requestKeyframe();
  };
  const ingest = tracks.audio && rtc.rtc_to_rtmp ? new OpusIngest({ channels: tracks.audio.channels, log, push: publishAudio }) : undefined;
  const publishing = new RtcPublisher(tracks, transport, counters, {
    pliIntervalS: rtc.pli_for_rtmp,
    nack: rtc.nack,
    onFrame: publish,
    onOpus: (packet) => {
      // The players' video is on the stream's clock, which a republish moves on from the last publish.
      const timestamp = stream.streamTime(packet.timestamp);
      if (timestamp !== undefined) source.write({ timestamp, data: packet.data });
      ingest?.write(packet);
    },
  }, log);
  const source = new RtcSource(() => publishing.requestKeyframe());
  const closeSource = deps.sources.open(stream, source);
  return {
    stream,
    publisher,
    media: publishing,
    closeAudio: () => {
      closeSource();
      void ingest?.close();
    },
  };
}

function playTracks(admitted: Admitted, stream: Stream, outputs: RtcOutputs, media: (kind: 'video' | 'audio') => NegotiatedMedia | undefined, log: RtcSessionLog): PlayTracks {
  const video = media('video');
  const audio = media('audio');
  const { rtc, ssrcs } = admitted;
  const options = { keepBframes: rtc.keep_bframe, keepSei: rtc.keep_avc_nalu_sei };
  const warn = (): void => log.warn({ stream: admitted.info.path }, 'the publisher sends B-frames: browsers cannot play them over WebRTC, they are dropped (keep_bframe off); publish H.264 baseline or without B-frames');
  const codec = video && rtcCodecOfSdp(video.codec.name);
  const otherCodec = (published: string): void =>
    log.warn({ stream: admitted.info.path, negotiated: codec, published }, 'the stream is published in another video codec than its WebRTC players were answered with: they get no video until they play again');
  return {
    cname: admitted.cname,
    nack: rtc.nack,
    video: video && {
      format: outputs.videoOf(stream, video.codec.payloadType, ssrcs.video, options, warn, codec, otherCodec),
      ssrc: ssrcs.video,
      rtxPayloadType: video.rtxPayloadType,
      rtxSsrc: video.rtxPayloadType !== undefined ? ssrcs.rtx : undefined,
    },
    audio: audio && { payloadType: audio.codec.payloadType, ssrc: ssrcs.audio },
  };
}

type RtcSessionLog = ServerContext['logger'];
