import { ByteReader } from '../util/bytes.js';
import { ProtocolError } from '../util/errors.js';

/** What the hub needs to know about a frame, read from its FLV/RTMP tag header. */
export interface FrameTraits {
  codec: string;
  /** A coded picture marked as a keyframe; sequence headers/ends and metadata never are. */
  keyframe: boolean;
  /** Codec configuration (decoder record, AudioSpecificConfig, OpusHead...), not media. */
  sequenceHeader: boolean;
}

/** A parsed tag header: the traits plus where the codec payload starts. */
export interface TagHeader extends FrameTraits {
  /**
   * Packet type in Enhanced-RTMP numbering (0 SequenceStart, 1 CodedFrames, 2 SequenceEnd, ...),
   * after unwrapping ModEx and Multitrack. Legacy AVC/HEVC/AAC packet types use the same
   * numbers; other legacy codecs have no packet type and report CodedFrames.
   */
  packetType: number;
  /** Offset in the tag body of the codec payload: the config record of a sequence header. */
  payloadOffset: number;
}

export const PacketType = {
  SequenceStart: 0,
  CodedFrames: 1,
  SequenceEnd: 2,
  CodedFramesX: 3,
  Metadata: 4, // video; for audio, 4 is MultichannelConfig
  MPEG2TSSequenceStart: 5, // video; for audio, 5 is Multitrack
  VideoMultitrack: 6,
  ModEx: 7,
} as const;

const AUDIO_MULTITRACK = 5;
const ONE_TRACK = 0;
const FRAME_KEY = 1;
const FRAME_COMMAND = 5;
const SOUND_FORMAT_AAC = 10;
const SOUND_FORMAT_EX_HEADER = 9;

const UNKNOWN: FrameTraits = Object.freeze({ codec: 'unknown', keyframe: false, sequenceHeader: false });

// Legacy FLV CodecID; 12 is the HEVC id used by SRS and several Chinese CDNs before E-RTMP.
const LEGACY_VIDEO: Record<number, string> = {
  2: 'H263',
  3: 'ScreenVideo',
  4: 'VP6',
  5: 'VP6A',
  6: 'ScreenVideo2',
  7: 'H264',
  12: 'HEVC',
};

// Legacy FLV SoundFormat; 13 is SRS's private Opus id.
const LEGACY_AUDIO: Record<number, string> = {
  0: 'PCM',
  1: 'ADPCM',
  2: 'MP3',
  3: 'PCM',
  4: 'Nellymoser',
  5: 'Nellymoser',
  6: 'Nellymoser',
  7: 'G711A',
  8: 'G711U',
  10: 'AAC',
  11: 'Speex',
  13: 'Opus',
  14: 'MP3',
  15: 'DeviceSpecific',
};

const fourcc = (s: string): number => Buffer.from(s, 'latin1').readUInt32BE(0);

const VIDEO_FOURCC = new Map([
  [fourcc('avc1'), 'H264'],
  [fourcc('hvc1'), 'HEVC'],
  [fourcc('av01'), 'AV1'],
  [fourcc('vp09'), 'VP9'],
  [fourcc('vp08'), 'VP8'],
]);

const AUDIO_FOURCC = new Map([
  [fourcc('Opus'), 'Opus'],
  [fourcc('fLaC'), 'FLAC'],
  [fourcc('ac-3'), 'AC3'],
  [fourcc('ec-3'), 'EAC3'],
  [fourcc('mp4a'), 'AAC'],
  [fourcc('.mp3'), 'MP3'],
]);

/**
 * Classifies a video tag body without throwing. Short input or a reserved legacy codec id gives
 * codec 'unknown', not a keyframe, not a sequence header. An unknown Enhanced-RTMP FourCC is
 * 'unknown' too but keeps its flags: the spec defines frame and packet types for every codec.
 */
export function inspectVideo(body: Buffer): FrameTraits {
  return traitsOf(readVideoTagHeader, body);
}

/** Classifies an audio tag body. Audio frames are never keyframes: any of them can start playback. */
export function inspectAudio(body: Buffer): FrameTraits {
  return traitsOf(readAudioTagHeader, body);
}

function traitsOf(read: (body: Buffer) => TagHeader, body: Buffer): FrameTraits {
  try {
    const { codec, keyframe, sequenceHeader } = read(body);
    return { codec, keyframe, sequenceHeader };
  } catch (err) {
    if (err instanceof ProtocolError) return { ...UNKNOWN };
    throw err;
  }
}

/** Parses a legacy or Enhanced-RTMP video tag header; throws ProtocolError when truncated. */
export function readVideoTagHeader(body: Buffer): TagHeader {
  const r = new ByteReader(body);
  const first = r.u8();
  if (first & 0x80) return readExVideoTagHeader(r, first);
  const frameType = first >> 4;
  const codec = LEGACY_VIDEO[first & 0x0f];
  if (codec === undefined) return { ...UNKNOWN, packetType: PacketType.CodedFrames, payloadOffset: 1 };
  let packetType: number = PacketType.CodedFrames;
  // A command frame (seek start/end) has one command byte instead of the AVC packet header.
  if ((codec === 'H264' || codec === 'HEVC') && frameType !== FRAME_COMMAND) {
    packetType = r.u8();
    r.skip(3); // composition time
  }
  return {
    codec,
    keyframe: frameType === FRAME_KEY && packetType === PacketType.CodedFrames,
    sequenceHeader: packetType === PacketType.SequenceStart,
    packetType,
    payloadOffset: r.offset,
  };
}

// Enhanced RTMP v2, "Enhanced Video": IsExHeader, 3-bit frame type, 4-bit packet type, FourCC.
function readExVideoTagHeader(r: ByteReader, first: number): TagHeader {
  const frameType = (first >> 4) & 0x07;
  let packetType = skipModEx(r, first & 0x0f);
  if (packetType !== PacketType.Metadata && frameType === FRAME_COMMAND) {
    // A command frame (seek start/end) carries one command byte and no codec.
    return { ...UNKNOWN, packetType, payloadOffset: r.offset };
  }
  const multitrack = packetType === PacketType.VideoMultitrack;
  let multitrackType = ONE_TRACK;
  if (multitrack) {
    const b = r.u8();
    multitrackType = b >> 4;
    packetType = b & 0x0f;
  }
  // With several codecs the first track's FourCC sits at the same place, so this names track 0.
  const codec = VIDEO_FOURCC.get(r.u32()) ?? 'unknown';
  if (multitrack) {
    r.skip(1); // trackId
    if (multitrackType !== ONE_TRACK) r.skip(3); // size of this track's data
  }
  if (packetType === PacketType.CodedFrames && (codec === 'H264' || codec === 'HEVC')) r.skip(3);
  const coded = packetType === PacketType.CodedFrames || packetType === PacketType.CodedFramesX;
  return {
    codec,
    keyframe: frameType === FRAME_KEY && coded,
    sequenceHeader: packetType === PacketType.SequenceStart || packetType === PacketType.MPEG2TSSequenceStart,
    packetType,
    payloadOffset: r.offset,
  };
}

/** Parses a legacy or Enhanced-RTMP audio tag header; throws ProtocolError when truncated. */
export function readAudioTagHeader(body: Buffer): TagHeader {
  const r = new ByteReader(body);
  const first = r.u8();
  const soundFormat = first >> 4;
  if (soundFormat === SOUND_FORMAT_EX_HEADER) return readExAudioTagHeader(r, first);
  const codec = LEGACY_AUDIO[soundFormat];
  if (codec === undefined) return { ...UNKNOWN, packetType: PacketType.CodedFrames, payloadOffset: 1 };
  const packetType = soundFormat === SOUND_FORMAT_AAC ? r.u8() : PacketType.CodedFrames;
  return {
    codec,
    keyframe: false,
    sequenceHeader: soundFormat === SOUND_FORMAT_AAC && packetType === PacketType.SequenceStart,
    packetType,
    payloadOffset: r.offset,
  };
}

// Enhanced RTMP v2, "Enhanced Audio": SoundFormat 9, 4-bit packet type, FourCC.
function readExAudioTagHeader(r: ByteReader, first: number): TagHeader {
  let packetType = skipModEx(r, first & 0x0f);
  const multitrack = packetType === AUDIO_MULTITRACK;
  let multitrackType = ONE_TRACK;
  if (multitrack) {
    const b = r.u8();
    multitrackType = b >> 4;
    packetType = b & 0x0f;
  }
  const codec = AUDIO_FOURCC.get(r.u32()) ?? 'unknown';
  if (multitrack) {
    r.skip(1); // trackId
    if (multitrackType !== ONE_TRACK) r.skip(3); // size of this track's data
  }
  return {
    codec,
    keyframe: false,
    // MultichannelConfig (4) is configuration too, but it must not replace the codec's own header.
    sequenceHeader: packetType === PacketType.SequenceStart,
    packetType,
    payloadOffset: r.offset,
  };
}

// ModEx wraps the real packet type behind a sized extension blob (e.g. a nanosecond offset).
function skipModEx(r: ByteReader, packetType: number): number {
  while (packetType === PacketType.ModEx) {
    let size = r.u8() + 1;
    if (size === 256) size = r.u16() + 1;
    r.skip(size);
    packetType = r.u8() & 0x0f; // high nibble: ModEx type
  }
  return packetType;
}
