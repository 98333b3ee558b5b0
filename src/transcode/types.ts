import type { Logger } from '../util/logger.js';

/** One compressed audio frame: a raw AAC access unit or one Opus packet, on the hub's ms clock. */
export interface AudioPacket {
  /** Milliseconds on the hub's clock (MediaFrame.timestamp). */
  readonly timestamp: number;
  readonly data: Buffer;
}

/** Counters of one transcoder, for logs and the API. */
export interface TranscoderStats {
  /** The ffmpeg child running now (undefined between a crash and its restart, or after close). */
  readonly pid: number | undefined;
  readonly framesIn: number;
  readonly framesOut: number;
  /** Input frames dropped: the child was down, restarting, or not reading. */
  readonly framesDropped: number;
  /** Times the child was restarted after it died. */
  readonly restarts: number;
}

/**
 * An audio transcoder backed by one supervised ffmpeg child. `write` never throws and never
 * buffers without bound; output frames carry timestamps mapped from the input's, never going back.
 */
export interface AudioTranscoder {
  write(frame: AudioPacket): void;
  /** Adds a listener of output frames; returns the function that removes it. */
  onOutput(listener: (out: AudioPacket) => void): () => void;
  /** The output's AAC AudioSpecificConfig (Opus to AAC only). */
  readonly outputConfig?: Buffer;
  readonly stats: TranscoderStats;
  /** Ends the child's input, waits for it to exit (SIGKILL after a timeout). Idempotent. */
  close(): Promise<void>;
}

export interface TranscoderOptions {
  /** The ffmpeg binary (default `ffmpeg`). */
  ffmpegPath?: string;
  log: Logger;
}

export interface AacToOpusOptions extends TranscoderOptions {
  /** The AAC AudioSpecificConfig of the input (the hub's AAC sequence header, after its 2 FLV bytes). */
  audioSpecificConfig: Buffer;
}

export interface OpusToAacOptions extends TranscoderOptions {
  /** Channels of the Opus input (the SDP's opus/48000/2 is stereo, whatever the content). */
  channels: 1 | 2;
}
