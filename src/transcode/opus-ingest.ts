import type { MediaFrame } from '../media/frame.js';
import type { AudioPacket, OpusToAacOptions } from './types.js';

export interface OpusIngestOptions extends OpusToAacOptions {
  /** Receives the hub frames: an AAC sequence header first, then AAC frames (FLV tag-body layout). */
  push(frame: MediaFrame): void;
}

/** A WebRTC publisher's Opus turned into AAC hub frames, for RTMP, HTTP-FLV, HLS, SRT and RTSP players. */
export class OpusIngest {
  constructor(private readonly options: OpusIngestOptions) {}

  write(packet: AudioPacket): void {
    void packet;
    void this.options;
  }

  async close(): Promise<void> {}
}
