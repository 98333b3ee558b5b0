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
  // Most frames are encoded for one format, if any: that one is kept in two fields, and a Map
  // is made only for a second, so a frame costs no Map of its own (thousands a second per server).
  private firstFormat: string | undefined;
  private firstBytes: Buffer | undefined;
  private others: Map<string, Buffer> | undefined;

  /** `timestamp`: the stream's own (monotonic) one when it differs from the frame's. */
  constructor(frame: MediaFrame, timestamp = frame.timestamp) {
    this.kind = frame.kind;
    this.timestamp = timestamp;
    this.body = frame.body;
    this.keyframe = frame.keyframe;
    this.sequenceHeader = frame.sequenceHeader;
  }

  /** Returns this frame encoded by `encode`, computing it only for the first reader that asks. */
  encoded(format: string, encode: (frame: MediaFrame) => Buffer): Buffer {
    if (format === this.firstFormat) return this.firstBytes!;
    let bytes = this.others?.get(format);
    if (bytes !== undefined) return bytes;
    bytes = encode(this);
    if (this.firstFormat === undefined) {
      this.firstFormat = format;
      this.firstBytes = bytes;
    } else {
      (this.others ??= new Map()).set(format, bytes);
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
