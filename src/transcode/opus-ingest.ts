import type { MediaFrame } from '../media/frame.js';
import { createOpusToAac } from './opus-to-aac.js';
import type { AudioPacket, AudioTranscoder, OpusToAacOptions, TranscoderStats } from './types.js';

export interface OpusIngestOptions extends OpusToAacOptions {
  /** Receives the hub frames: an AAC sequence header first, then AAC frames (FLV tag-body layout). */
  push(frame: MediaFrame): void;
}

const AAC_HEADER = 0xaf; // SoundFormat 10 (AAC); the other FLV bits are fixed for AAC
const AAC_SEQUENCE_HEADER = 0x00;
const AAC_RAW = 0x01;

/**
 * A WebRTC publisher's Opus turned into AAC hub frames, so RTMP, HTTP-FLV, HLS, SRT and RTSP
 * players hear it. Frames come out with the timestamps of the Opus packets they were made from.
 */
export class OpusIngest {
  private readonly transcoder: AudioTranscoder;
  private headerSent = false;
  private closed = false;

  constructor(options: OpusIngestOptions) {
    const { push, ...transcoderOptions } = options;
    this.transcoder = createOpusToAac(transcoderOptions);
    const config = this.transcoder.outputConfig!;
    this.transcoder.onOutput((out) => {
      if (this.closed) return;
      if (!this.headerSent) {
        this.headerSent = true;
        push(audioFrame(out.timestamp, Buffer.from([AAC_HEADER, AAC_SEQUENCE_HEADER]), config, true));
      }
      push(audioFrame(out.timestamp, Buffer.from([AAC_HEADER, AAC_RAW]), out.data, false));
    });
  }

  get stats(): TranscoderStats {
    return this.transcoder.stats;
  }

  write(packet: AudioPacket): void {
    this.transcoder.write(packet);
  }

  /** Stops the transcoder; nothing is pushed after this call, so the stream may be left at once. */
  close(): Promise<void> {
    this.closed = true;
    return this.transcoder.close();
  }
}

function audioFrame(timestamp: number, header: Buffer, data: Buffer, sequenceHeader: boolean): MediaFrame {
  return { kind: 'audio', timestamp, body: Buffer.concat([header, data]), keyframe: false, sequenceHeader };
}
