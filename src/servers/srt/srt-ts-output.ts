import { TsFrameWriter } from '../../formats/mpegts/frame-writer.js';
import type { OutputFormat } from '../../hub/reader.js';
import type { Stream } from '../../hub/stream.js';
import type { MediaFrame } from '../../media/frame.js';
import { SluiceError } from '../../util/errors.js';

const NOTHING = Buffer.alloc(0);

/**
 * MPEG-TS for SRT players, one writer per stream: each frame is muxed once (when the first
 * player takes it) and the bytes are shared by every SRT player of the stream. PAT and PMT go
 * before every keyframe, so a player joining at a keyframe can start there. Continuity counters
 * run on for the stream; a player that skipped frames sees a counter jump, which TS demuxers
 * take as the loss it is.
 */
export class SrtTsOutputs {
  private readonly formats = new WeakMap<Stream, OutputFormat>();

  of(stream: Stream): OutputFormat {
    let format = this.formats.get(stream);
    if (!format) {
      format = tsOutput();
      this.formats.set(stream, format);
    }
    return format;
  }
}

function tsOutput(): OutputFormat {
  const writer = new TsFrameWriter();
  let started = false;
  return {
    key: 'srt-ts',
    encode(frame: MediaFrame): Buffer {
      if (frame.kind === 'data') return NOTHING;
      try {
        writer.configure(frame);
        if (frame.sequenceHeader) return NOTHING;
        const parts: Buffer[] = [];
        if (!started || frame.keyframe || writer.tracksChanged) {
          parts.push(...writer.start());
          started = true;
        }
        const pes = writer.encode(frame);
        if (pes) parts.push(pes);
        return parts.length === 0 ? NOTHING : Buffer.concat(parts);
      } catch (error) {
        // A malformed frame from the publisher is left out; the stream goes on.
        if (error instanceof SluiceError) return NOTHING;
        throw error;
      }
    },
  };
}
