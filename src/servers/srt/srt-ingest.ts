import { TsDemuxer, type TsDemuxerEvents } from '../../formats/mpegts/demuxer.js';

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

/** Makes one demuxer per publish: frames in decode order, damage reported as warnings. */
export type TsIngestFactory = (events: TsDemuxerEvents) => TsIngest;

/** Sluice's own MPEG-TS demuxer. */
export const demuxTs: TsIngestFactory = (events) => new TsDemuxer(events);
