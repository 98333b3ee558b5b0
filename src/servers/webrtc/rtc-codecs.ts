/** The video codecs Sluice's WebRTC carries, by their SDP encoding names. */
export type RtcVideoCodec = 'H264' | 'H265' | 'VP9' | 'AV1';

/** What a request that asks for nothing may get: H.264 first, then the others by preference. */
export const VIDEO_CODECS: readonly RtcVideoCodec[] = ['H264', 'VP9', 'AV1', 'H265'];

/** The hub's codec name (Enhanced RTMP's) for each. */
const HUB_NAMES: Record<RtcVideoCodec, string> = { H264: 'H264', H265: 'HEVC', VP9: 'VP9', AV1: 'AV1' };

/** SRS 7's `codec` (or `vcodec`) query values, and the SDP names they ask for. */
const QUERY_NAMES: Record<string, RtcVideoCodec> = { h264: 'H264', avc: 'H264', h265: 'H265', hevc: 'H265', vp9: 'VP9', av1: 'AV1' };

export function hubCodecName(codec: RtcVideoCodec): string {
  return HUB_NAMES[codec];
}

/** The WebRTC codec of a hub codec name ('HEVC' → 'H265'); undefined for what WebRTC cannot carry. */
export function rtcCodecOf(hubCodec: string | undefined): RtcVideoCodec | undefined {
  return (Object.keys(HUB_NAMES) as RtcVideoCodec[]).find((codec) => HUB_NAMES[codec] === hubCodec);
}

/** The codec a query value names: undefined when none is asked, null for a name not known. */
export function queryCodec(value: string | null | undefined): RtcVideoCodec | undefined | null {
  if (!value) return undefined;
  return QUERY_NAMES[value.toLowerCase()] ?? null;
}

/** Which video codecs an offer may be answered with, and the one it must take if it has video (and why). */
export interface VideoChoice {
  preference: RtcVideoCodec[];
  required?: { codec: RtcVideoCodec; because: string };
}

/**
 * As SRS 7: a publish takes the codec asked (`?codec=`), else H.264, and here also VP9, AV1 or
 * H.265 when the offer has no H.264. A play gets the codec of the stream published now; before
 * its codec is known, the one asked, else what the offer has in that same order (the client
 * decides, as SRS says). A string is the reason the request is refused.
 */
export function chooseVideo(action: 'publish' | 'play', asked: RtcVideoCodec | undefined, streamCodec: RtcVideoCodec | undefined): VideoChoice | string {
  const askedFor = asked && { codec: asked, because: `the request asks for ${asked}` };
  if (action === 'publish') return askedFor ? { preference: [asked], required: askedFor } : { preference: [...VIDEO_CODECS] };
  if (streamCodec && asked && asked !== streamCodec) return `the stream's video is ${streamCodec}, the request asks for ${asked}`;
  if (streamCodec) return { preference: [streamCodec], required: { codec: streamCodec, because: `the stream's video is ${streamCodec}` } };
  return askedFor ? { preference: [asked], required: askedFor } : { preference: [...VIDEO_CODECS] };
}

/** The SDP encoding name of a negotiated codec as one of ours ('AV1X' is Chrome's old name of AV1). */
export function rtcCodecOfSdp(name: string): RtcVideoCodec {
  const upper = name.toUpperCase();
  return upper === 'AV1X' ? 'AV1' : (upper as RtcVideoCodec);
}
