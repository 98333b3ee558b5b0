import { parseAacConfig } from '../../codecs/aac.js';
import { parseAvcConfig } from '../../codecs/avc.js';
import { parseHevcConfig } from '../../codecs/hevc.js';
import { readAudioTagHeader, readVideoTagHeader } from '../../codecs/inspect.js';
import type { MediaFrame } from '../../media/frame.js';
import type { Mp4Track } from './track.js';

export const VIDEO_TIMESCALE = 1000; // the frames' own millisecond clock: no rounding

/**
 * The MP4 tracks the sequence headers allow: H.264, HEVC and AAC. Other codecs (and headers that
 * do not parse) give no track; the caller decides whether what remains is worth a file.
 */
export function mp4Tracks(videoHeader: MediaFrame | undefined, audioHeader: MediaFrame | undefined): Mp4Track[] {
  const tracks: Mp4Track[] = [];
  const video = videoHeader && videoTrack(videoHeader.body, tracks.length + 1);
  if (video) tracks.push(video);
  const audio = audioHeader && audioTrack(audioHeader.body, tracks.length + 1);
  if (audio) tracks.push(audio);
  return tracks;
}

function videoTrack(body: Buffer, id: number): Mp4Track | undefined {
  try {
    const header = readVideoTagHeader(body);
    const config = Buffer.from(body.subarray(header.payloadOffset));
    if (header.codec !== 'H264' && header.codec !== 'HEVC') return undefined;
    const info = header.codec === 'H264' ? parseAvcConfig(config) : parseHevcConfig(config);
    const codec = header.codec === 'H264' ? 'avc1' : 'hvc1';
    return { id, kind: 'video', codec, timescale: VIDEO_TIMESCALE, config, width: info.width, height: info.height };
  } catch {
    return undefined;
  }
}

function audioTrack(body: Buffer, id: number): Mp4Track | undefined {
  try {
    const header = readAudioTagHeader(body);
    if (header.codec !== 'AAC') return undefined;
    const config = Buffer.from(body.subarray(header.payloadOffset));
    const info = parseAacConfig(config);
    const sampleRate = info.sampleRate ?? 44100;
    return { id, kind: 'audio', codec: 'mp4a', timescale: sampleRate, config, sampleRate, channels: info.channels };
  } catch {
    return undefined;
  }
}

/** Samples per AAC frame at the track's rate: HE-AAC with explicit SBR doubles the output rate. */
export function aacFrameLength(track: Mp4Track): number {
  const objectType = (track.config[0] ?? 0) >> 3;
  return objectType === 5 || objectType === 29 ? 2048 : 1024;
}
