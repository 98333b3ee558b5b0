import type { MediaFrame } from '../../media/frame.js';

/**
 * Where an SRT publisher's payloads go: an MPEG-TS demuxer that turns them into hub frames
 * (FLV tag bodies, timestamps in ms). Payloads arrive in order, once each, after TSBPD; a
 * payload is a whole number of 188-byte TS packets (1316 bytes from most encoders).
 */
export interface TsIngest {
  push(chunk: Buffer): void;
  /** The publisher left: flush what is buffered. */
  end(): void;
}

/** Makes one demuxer per publish; `onFrame` takes each frame in decode order. */
export type TsIngestFactory = (onFrame: (frame: MediaFrame) => void) => TsIngest;
