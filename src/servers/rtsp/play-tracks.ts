import { parseAacConfig } from '../../codecs/aac.js';
import { readAvcNalConfig, readHevcNalConfig, splitAvcc, type NalConfig } from '../../codecs/annexb.js';
import { PacketType, readAudioTagHeader, readVideoTagHeader } from '../../codecs/inspect.js';
import type { AudioTrackInfo, MediaFrame } from '../../media/frame.js';
import { packetizeAac } from '../../protocols/rtp/aac.js';
import { h264Payload } from '../../protocols/rtp/h264.js';
import { h265Payload } from '../../protocols/rtp/h265.js';
import { packetizeNalus, type RtpPayload } from '../../protocols/rtp/nal-units.js';
import type { SdpTrack } from '../../protocols/rtsp/sdp.js';

/** RTP payload bytes per packet: packets stay under a 1400-byte MTU with their 12-byte header. */
export const MAX_PAYLOAD = 1388;

/** A frame's RTP payloads and its presentation time in ms (DTS + composition offset). */
export interface Packetized {
  payloads: RtpPayload[];
  presentationMs: number;
}

/** One track a player is offered: its SDP lines and how hub frames become RTP payloads. */
export interface PlayTrack {
  readonly kind: 'video' | 'audio';
  readonly sdp: SdpTrack;
  readonly clockRate: number;
  /** Payloads for a frame of this track; none for sequence headers and what cannot be sent. */
  packetize(frame: MediaFrame): Packetized | undefined;
}

const VIDEO_PT = 96;
const AUDIO_PT = 97;

/** The tracks of a stream as RTSP offers them, from its sequence headers; unknown codecs are left out. */
export function playTracks(headers: { video?: MediaFrame; audio?: MediaFrame }, audioInfo: AudioTrackInfo | undefined): PlayTrack[] {
  const tracks: PlayTrack[] = [];
  if (headers.video) {
    const video = videoTrack(headers.video.body);
    if (video) tracks.push(video);
  }
  const audio = headers.audio ? audioTrack(headers.audio.body) : g711Track(audioInfo);
  if (audio) tracks.push(audio);
  return tracks;
}

function videoTrack(header: Buffer): PlayTrack | undefined {
  const tag = readVideoTagHeader(header);
  if (!tag.sequenceHeader || (tag.codec !== 'H264' && tag.codec !== 'HEVC')) return undefined;
  const record = header.subarray(tag.payloadOffset);
  const h264 = tag.codec === 'H264';
  let config: NalConfig = h264 ? readAvcNalConfig(record) : readHevcNalConfig(record);
  const sets = config.parameterSets;
  const b64 = (nal: Buffer | undefined): string => nal?.toString('base64') ?? '';
  const type = (nal: Buffer): number => (h264 ? nal[0]! & 0x1f : (nal[0]! >> 1) & 0x3f);
  const fmtp = h264
    ? `packetization-mode=1;profile-level-id=${sets[0]?.subarray(1, 4).toString('hex').toUpperCase() ?? '42E01F'};sprop-parameter-sets=${sets.filter((nal) => type(nal) === 7 || type(nal) === 8).map(b64).join(',')}`
    : `sprop-vps=${b64(sets.find((nal) => type(nal) === 32))};sprop-sps=${b64(sets.find((nal) => type(nal) === 33))};sprop-pps=${b64(sets.find((nal) => type(nal) === 34))}`;
  const format = h264 ? h264Payload : h265Payload;
  const aud = h264 ? 9 : 35;
  return {
    kind: 'video',
    clockRate: 90000,
    sdp: { type: 'video', payloadType: VIDEO_PT, rtpmap: `${h264 ? 'H264' : 'H265'}/90000`, fmtp },
    packetize(frame) {
      const tag = readVideoTagHeader(frame.body);
      const payload = frame.body.subarray(tag.payloadOffset);
      if (tag.sequenceHeader) {
        config = h264 ? readAvcNalConfig(payload) : readHevcNalConfig(payload);
        return undefined;
      }
      if (tag.packetType !== PacketType.CodedFrames && tag.packetType !== PacketType.CodedFramesX) return undefined;
      const cts = tag.packetType === PacketType.CodedFrames ? frame.body.readIntBE(tag.payloadOffset - 3, 3) : 0;
      const nalus = splitAvcc(payload, config.lengthSize).filter((nal) => type(nal) !== aud);
      // Parameter sets before every keyframe: a player joining there needs nothing else.
      if (frame.keyframe) nalus.unshift(...config.parameterSets);
      return { payloads: packetizeNalus(format, nalus, MAX_PAYLOAD), presentationMs: frame.timestamp + cts };
    },
  };
}

function audioTrack(header: Buffer): PlayTrack | undefined {
  const tag = readAudioTagHeader(header);
  if (tag.codec === 'AAC') {
    const asc = header.subarray(tag.payloadOffset);
    const info = parseAacConfig(asc);
    const rate = info.sampleRate ?? 44100;
    return {
      kind: 'audio',
      clockRate: rate,
      sdp: {
        type: 'audio',
        payloadType: AUDIO_PT,
        rtpmap: `MPEG4-GENERIC/${rate}/${info.channels ?? 2}`,
        fmtp: `profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=${asc.toString('hex')}`,
      },
      packetize(frame) {
        if (frame.sequenceHeader) return undefined;
        return { payloads: packetizeAac(frame.body.subarray(2), MAX_PAYLOAD), presentationMs: frame.timestamp };
      },
    };
  }
  if (tag.codec === 'Opus') {
    return {
      kind: 'audio',
      clockRate: 48000,
      sdp: { type: 'audio', payloadType: AUDIO_PT, rtpmap: 'opus/48000/2', fmtp: 'sprop-stereo=1' },
      packetize(frame) {
        const tag = readAudioTagHeader(frame.body);
        if (tag.sequenceHeader || tag.packetType !== PacketType.CodedFrames) return undefined;
        return { payloads: [{ payload: frame.body.subarray(tag.payloadOffset), marker: true }], presentationMs: frame.timestamp };
      },
    };
  }
  return undefined;
}

/** G.711 has no sequence header: it is offered from the track the stream described. */
function g711Track(info: AudioTrackInfo | undefined): PlayTrack | undefined {
  if (info?.codec !== 'G711A' && info?.codec !== 'G711U') return undefined;
  const alaw = info.codec === 'G711A';
  return {
    kind: 'audio',
    clockRate: 8000,
    sdp: { type: 'audio', payloadType: alaw ? 8 : 0, rtpmap: `${alaw ? 'PCMA' : 'PCMU'}/8000/1` },
    packetize(frame) {
      return { payloads: [{ payload: frame.body.subarray(1), marker: true }], presentationMs: frame.timestamp };
    },
  };
}
