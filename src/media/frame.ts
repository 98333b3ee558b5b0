/**
 * The one protocol-neutral unit the hub moves around.
 *
 * `body` holds the codec payload in the FLV/RTMP tag-body layout (codec header byte(s), then
 * AVCC NAL units / raw AAC / Enhanced-RTMP FourCC payload). Every ingest protocol produces it,
 * every output format consumes it; codecs pass through untouched.
 */
export type FrameKind = 'audio' | 'video' | 'data';

export interface MediaFrame {
  readonly kind: FrameKind;
  /** Decode timestamp in milliseconds, already made monotonic by the stream. */
  readonly timestamp: number;
  readonly body: Buffer;
  /** A video keyframe (random access point). */
  readonly keyframe: boolean;
  /** Codec configuration (AVC/HEVC decoder record, AAC AudioSpecificConfig, ...), not media. */
  readonly sequenceHeader: boolean;
}

/** Per-format encodings of one frame, made once and shared by every reader of that format. */
export class EncodedFrame implements MediaFrame {
  readonly kind: FrameKind;
  readonly timestamp: number;
  readonly body: Buffer;
  readonly keyframe: boolean;
  readonly sequenceHeader: boolean;
  private readonly encodings = new Map<string, Buffer>();

  constructor(frame: MediaFrame) {
    this.kind = frame.kind;
    this.timestamp = frame.timestamp;
    this.body = frame.body;
    this.keyframe = frame.keyframe;
    this.sequenceHeader = frame.sequenceHeader;
  }

  /** Returns this frame encoded by `encode`, computing it only for the first reader that asks. */
  encoded(format: string, encode: (frame: MediaFrame) => Buffer): Buffer {
    let bytes = this.encodings.get(format);
    if (bytes === undefined) {
      bytes = encode(this);
      this.encodings.set(format, bytes);
    }
    return bytes;
  }
}

/** What the stream knows about its tracks, parsed from the sequence headers and metadata. */
export interface VideoTrackInfo {
  codec: string; // 'H264' | 'HEVC' | 'AV1' | 'VP9' | ...
  profile?: string;
  level?: string;
  width?: number;
  height?: number;
}

export interface AudioTrackInfo {
  codec: string; // 'AAC' | 'MP3' | 'Opus' | ...
  profile?: string;
  sampleRate?: number;
  channels?: number;
}
