import type { AudioTrackInfo, MediaFrame, VideoTrackInfo } from '../media/frame.js';
import { ProtocolError } from '../util/errors.js';
import { parseAacConfig } from './aac.js';
import { parseAv1Config } from './av1.js';
import { parseAvcConfig } from './avc.js';
import { readMpegAudioHeader } from './mp3.js';
import { parseHevcConfig } from './hevc.js';
import { PacketType, readAudioTagHeader, readVideoTagHeader } from './inspect.js';
import { parseOpusHead } from './opus.js';
import { parseVp9Config, readVp9Keyframe } from './vp9.js';

const VIDEO_CONFIG_PARSERS: Record<string, (record: Buffer) => VideoTrackInfo> = {
  H264: parseAvcConfig,
  HEVC: parseHevcConfig,
  AV1: parseAv1Config,
  VP9: parseVp9Config,
};

// Legacy SoundRate bits, and the formats whose rate is fixed whatever those bits say.
const LEGACY_SOUND_RATES = [5512, 11025, 22050, 44100];
const FIXED_SOUND_RATES: Record<number, number> = {
  4: 16000, // Nellymoser 16 kHz
  5: 8000, // Nellymoser 8 kHz
  7: 8000, // G.711 A-law
  8: 8000, // G.711 mu-law
  11: 16000, // Speex
  13: 48000, // Opus (SRS)
  14: 8000, // MP3 8 kHz
};
const SOUND_FORMAT_EX_HEADER = 9;
const SOUND_FORMAT_AAC = 10;

/**
 * Describes the video track from a sequence header's tag body (legacy or Enhanced RTMP).
 * Returns undefined for garbage and for coded frames of codecs that have a sequence header;
 * legacy codecs without one (H.263, VP6, ...) are named from any frame.
 */
export function describeVideoConfig(body: Buffer): VideoTrackInfo | undefined {
  return undefinedOnProtocolError(() => {
    const header = readVideoTagHeader(body);
    if (header.codec === 'unknown') return undefined;
    const enhanced = (body[0]! & 0x80) !== 0;
    const parse = VIDEO_CONFIG_PARSERS[header.codec];
    if (!enhanced && !parse) return { codec: header.codec };
    if (header.packetType === PacketType.SequenceStart) {
      return parse ? parse(body.subarray(header.payloadOffset)) : { codec: header.codec };
    }
    // An MPEG-2 TS style sequence start names the codec but carries no config record.
    return header.sequenceHeader ? { codec: header.codec } : undefined;
  });
}

/**
 * Describes the audio track from a sequence header's tag body (legacy AAC or Enhanced RTMP).
 * Legacy formats without a sequence header (MP3, G.711, ...) are described from any frame's
 * SoundRate/SoundType bits. Returns undefined for garbage and for AAC/Enhanced coded frames.
 */
export function describeAudioConfig(body: Buffer): AudioTrackInfo | undefined {
  return undefinedOnProtocolError(() => {
    const header = readAudioTagHeader(body);
    if (header.codec === 'unknown') return undefined;
    const flags = body[0]!;
    const soundFormat = flags >> 4;
    if (header.codec === 'MP3') return describeMp3(body.subarray(header.payloadOffset), flags);
    if (soundFormat !== SOUND_FORMAT_AAC && soundFormat !== SOUND_FORMAT_EX_HEADER) {
      return {
        codec: header.codec,
        sampleRate: FIXED_SOUND_RATES[soundFormat] ?? LEGACY_SOUND_RATES[(flags >> 2) & 3],
        channels: (flags & 1) + 1,
      };
    }
    if (header.packetType !== PacketType.SequenceStart) return undefined;
    const payload = body.subarray(header.payloadOffset);
    if (header.codec === 'AAC') return parseAacConfig(payload);
    if (header.codec === 'Opus') return parseOpusHead(payload);
    return { codec: header.codec };
  });
}

/** MP3's own frame header is exact (FLV's SoundRate cannot say 48 kHz); the tag flags are the fallback. */
function describeMp3(frame: Buffer, flags: number): AudioTrackInfo | undefined {
  try {
    const { sampleRate, channels } = readMpegAudioHeader(frame);
    return { codec: 'MP3', sampleRate, channels };
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    const soundFormat = flags >> 4;
    if (soundFormat === SOUND_FORMAT_EX_HEADER) return { codec: 'MP3' };
    return { codec: 'MP3', sampleRate: FIXED_SOUND_RATES[soundFormat] ?? LEGACY_SOUND_RATES[(flags >> 2) & 3], channels: (flags & 1) + 1 };
  }
}

// Bounds-checked parsers throw ProtocolError on garbage; the caller only wants "unknown".
function undefinedOnProtocolError<T>(describe: () => T | undefined): T | undefined {
  try {
    return describe();
  } catch (err) {
    if (err instanceof ProtocolError) return undefined;
    throw err;
  }
}

/** What a published stream knows of its tracks (the hub's Stream). */
export interface DescribedTracks {
  videoTrack: VideoTrackInfo | undefined;
  audioTrack: AudioTrackInfo | undefined;
}

/**
 * Updates a stream's track info from a frame a publisher sends: sequence headers, or the first
 * audio (codecs without a sequence header, MP3, G.711..., are described from their first frame).
 * VP9 keeps its picture size in keyframes, not in its record: the first keyframe gives it.
 */
export function followTracks(tracks: DescribedTracks, frame: MediaFrame): void {
  if (frame.sequenceHeader && frame.kind === 'video') tracks.videoTrack = describeVideoConfig(frame.body) ?? tracks.videoTrack;
  if (frame.kind === 'audio' && (frame.sequenceHeader || !tracks.audioTrack)) tracks.audioTrack = describeAudioConfig(frame.body) ?? tracks.audioTrack;
  const video = tracks.videoTrack;
  if (frame.keyframe && video?.codec === 'VP9' && video.width === undefined) {
    const size = undefinedOnProtocolError(() => {
      const header = readVideoTagHeader(frame.body);
      return header.codec === 'VP9' ? readVp9Keyframe(frame.body.subarray(header.payloadOffset)) : undefined;
    });
    if (size) tracks.videoTrack = { ...video, width: size.width, height: size.height };
  }
}
