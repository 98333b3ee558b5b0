import { createHash } from 'node:crypto';
import { TsDemuxer } from '../../../src/formats/mpegts/demuxer.js';
import { TsFrameWriter } from '../../../src/formats/mpegts/frame-writer.js';
import type { MediaFrame } from '../../../src/media/frame.js';

export interface Demuxed {
  frames: MediaFrame[];
  warnings: string[];
}

/** Demuxes `data` pushed in pieces cut at `cuts` (offsets), then ends the stream. */
export function demux(data: Buffer, cuts: number[] = []): Demuxed {
  const out: Demuxed = { frames: [], warnings: [] };
  const demuxer = new TsDemuxer({ onFrame: (f) => out.frames.push(f), onWarning: (m) => out.warnings.push(m) });
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    demuxer.push(data.subarray(from, cut));
    from = cut;
  }
  demuxer.push(data.subarray(from));
  demuxer.end();
  return out;
}

/** Writes hub frames as one transport stream with Sluice's own muxer. */
export function mux(frames: MediaFrame[]): Buffer {
  const writer = new TsFrameWriter();
  for (const frame of frames) if (frame.sequenceHeader || frame.kind === 'audio') writer.configure(frame);
  const parts = writer.start();
  for (const frame of frames) {
    if (frame.sequenceHeader) continue;
    const bytes = writer.encode(frame);
    if (bytes) parts.push(bytes);
  }
  return Buffer.concat(parts);
}

/** A comparable summary of a frame (its body as a digest, so that failures print short). */
export function summary(frame: MediaFrame, base = 0): { kind: string; timestamp: number; keyframe: boolean; sequenceHeader: boolean; body: string } {
  return { kind: frame.kind, timestamp: frame.timestamp - base, keyframe: frame.keyframe, sequenceHeader: frame.sequenceHeader, body: frame.body.length < 40 ? frame.body.toString('hex') : createHash('sha1').update(frame.body).digest('hex') };
}
