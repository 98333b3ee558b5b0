import { opusHead } from '../../codecs/opus.js';
import { VideoTrack } from '../../formats/mpegts/video-track.js';
import type { MediaFrame } from '../../media/frame.js';
import { AAC_HBR, AacDepacketizer, type AacHbrParams, type AudioUnit } from '../../protocols/rtp/aac.js';
import { LatmDepacketizer, parseLatmConfig } from '../../protocols/rtp/latm.js';
import { h264Payload } from '../../protocols/rtp/h264.js';
import { h265Payload } from '../../protocols/rtp/h265.js';
import { NalDepacketizer } from '../../protocols/rtp/nal-units.js';
import type { RtpPacket } from '../../protocols/rtp/packet.js';
import type { MediaDescription } from '../../protocols/rtsp/sdp.js';
import { ProtocolError } from '../../util/errors.js';

/** Turns one announced track's RTP packets (in order) into hub frames; `toMs` maps RTP time to the hub's clock. */
export interface RecordTrack {
  readonly kind: 'video' | 'audio';
  readonly clockRate: number;
  frames(packet: RtpPacket, gap: boolean, toMs: (rtpTime: number) => number): MediaFrame[];
  /** Payloads that did not parse and were dropped (video tracks count them). */
  readonly malformed?: number;
}

const AAC_HEADER = 0xaf;
const FOURCC_OPUS = Buffer.from('Opus');
// FLV SoundFormat 7 (A-law) / 8 (mu-law), 16-bit, mono: the rate bits are fixed at 8 kHz for both.
const G711_HEADER: Record<string, number> = { PCMA: 0x72, PCMU: 0x82 };

/** The depacketizer for an announced media section; undefined for codecs Sluice does not take. */
export function recordTrack(media: MediaDescription): RecordTrack | undefined {
  switch (media.encoding) {
    case 'H264':
    case 'H265':
      return nalTrack(media);
    case 'MPEG4-GENERIC':
      return media.fmtp.get('mode')?.toLowerCase() === 'aac-hbr' && media.fmtp.has('config') ? aacTrack(media) : undefined;
    case 'MP4A-LATM':
      return media.fmtp.get('cpresent') === '0' && media.fmtp.has('config') ? latmTrack(media) : undefined;
    case 'OPUS':
      return opusTrack(media);
    case 'PCMA':
    case 'PCMU':
      return media.clockRate === 8000 && (media.channels ?? 1) === 1 ? g711Track(media.encoding) : undefined;
    default:
      return undefined;
  }
}

function nalTrack(media: MediaDescription): RecordTrack {
  const h264 = media.encoding === 'H264';
  const depacketizer = new NalDepacketizer(h264 ? h264Payload : h265Payload);
  const video = new VideoTrack(h264 ? 'H264' : 'HEVC');
  // Out-of-band parameter sets go in front of the first access unit.
  let sprop = spropSets(media, h264);
  let lastMs = 0;
  return {
    kind: 'video',
    clockRate: media.clockRate || 90000,
    get malformed() {
      return depacketizer.malformed;
    },
    frames(packet, gap, toMs) {
      const frames: MediaFrame[] = [];
      for (const unit of depacketizer.push(packet, gap)) {
        if (depacketizer.lost()) video.lostData();
        // RTP carries presentation times; they serve as decode times, kept from going backwards.
        const ms = Math.max(lastMs, toMs(unit.timestamp));
        lastMs = ms;
        frames.push(...video.framesOf([...sprop, ...unit.nalus], ms, 0));
        sprop = [];
      }
      return frames;
    },
  };
}

function spropSets(media: MediaDescription, h264: boolean): Buffer[] {
  const values = h264
    ? (media.fmtp.get('sprop-parameter-sets') ?? '').split(',')
    : ['sprop-vps', 'sprop-sps', 'sprop-pps'].map((key) => media.fmtp.get(key) ?? '');
  return values.filter((value) => value !== '').map((value) => Buffer.from(value, 'base64')).filter((nal) => nal.length > 0);
}

function aacTrack(media: MediaDescription): RecordTrack {
  return aacFrames(media.clockRate, Buffer.from(media.fmtp.get('config')!, 'hex'), new AacDepacketizer(aacParams(media)));
}

/** AAC in LATM (GStreamer's rtspclientsink, some cameras): the AudioSpecificConfig comes out of the StreamMuxConfig. */
function latmTrack(media: MediaDescription): RecordTrack | undefined {
  let config;
  try {
    config = parseLatmConfig(media.fmtp.get('config')!);
  } catch (error) {
    if (error instanceof ProtocolError) return undefined; // a layout Sluice does not take: the track is ignored
    throw error;
  }
  return aacFrames(media.clockRate, config.asc, new LatmDepacketizer(config));
}

function aacFrames(clockRate: number, config: Buffer, depacketizer: { push(packet: RtpPacket, gap: boolean): AudioUnit[] }): RecordTrack {
  let headerSent = false;
  return {
    kind: 'audio',
    clockRate,
    frames(packet, gap, toMs) {
      const frames: MediaFrame[] = [];
      for (const unit of depacketizer.push(packet, gap)) {
        const timestamp = toMs(unit.timestamp);
        if (!headerSent) {
          headerSent = true;
          frames.push(audio(timestamp, Buffer.from([AAC_HEADER, 0]), config, true));
        }
        frames.push(audio(timestamp, Buffer.from([AAC_HEADER, 1]), unit.data));
      }
      return frames;
    },
  };
}

function aacParams(media: MediaDescription): AacHbrParams {
  const value = (key: string, fallback: number): number => {
    const text = media.fmtp.get(key);
    const n = text === undefined ? fallback : Number(text);
    if (!Number.isInteger(n) || n < 0 || n > 16) throw new ProtocolError(`bad ${key} in the SDP`);
    return n;
  };
  const params = {
    sizeLength: value('sizelength', AAC_HBR.sizeLength),
    indexLength: value('indexlength', AAC_HBR.indexLength),
    indexDeltaLength: value('indexdeltalength', AAC_HBR.indexDeltaLength),
  };
  if (params.sizeLength === 0) throw new ProtocolError('sizelength 0 in the SDP');
  return params;
}

function opusTrack(media: MediaDescription): RecordTrack {
  const channels = media.channels === 1 || media.fmtp.get('stereo') === '0' ? 1 : 2;
  let headerSent = false;
  return {
    kind: 'audio',
    clockRate: 48000,
    frames(packet, _gap, toMs) {
      if (packet.payload.length === 0) return [];
      const timestamp = toMs(packet.timestamp);
      const frames: MediaFrame[] = [];
      if (!headerSent) {
        headerSent = true;
        frames.push(audio(timestamp, Buffer.from([0x90, ...FOURCC_OPUS]), opusHead(channels, 0), true));
      }
      frames.push(audio(timestamp, Buffer.from([0x91, ...FOURCC_OPUS]), packet.payload));
      return frames;
    },
  };
}

function g711Track(encoding: string): RecordTrack {
  const header = Buffer.from([G711_HEADER[encoding]!]);
  return {
    kind: 'audio',
    clockRate: 8000,
    frames(packet, _gap, toMs) {
      return packet.payload.length === 0 ? [] : [audio(toMs(packet.timestamp), header, packet.payload)];
    },
  };
}

function audio(timestamp: number, header: Buffer, data: Buffer, sequenceHeader = false): MediaFrame {
  return { kind: 'audio', timestamp, body: Buffer.concat([header, data]), keyframe: false, sequenceHeader };
}
