/** One track of a fragmented MP4 file, as the init segment describes it. */
export interface Mp4Track {
  /** Track id, from 1. */
  id: number;
  kind: 'video' | 'audio';
  /** Sample entry type: avc1 (H.264), hvc1 (HEVC) or mp4a (AAC). */
  codec: 'avc1' | 'hvc1' | 'mp4a';
  /** Ticks per second of the track's timestamps. */
  timescale: number;
  /** AVCDecoderConfigurationRecord, HEVCDecoderConfigurationRecord or AudioSpecificConfig. */
  config: Buffer;
  width?: number;
  height?: number;
  sampleRate?: number;
  channels?: number;
}

/** One coded frame in a fragment. Times are in the track's timescale. */
export interface Mp4Sample {
  data: Buffer;
  duration: number;
  /** Presentation minus decode time (may be negative). */
  compositionOffset: number;
  /** A random access point (video keyframe; every audio frame). */
  sync: boolean;
}
