import { TsFrameWriter } from '../../formats/mpegts/frame-writer.js';
import type { OutputFormat } from '../../hub/reader.js';
import type { Stream } from '../../hub/stream.js';
import type { MediaFrame } from '../../media/frame.js';
import { SluiceError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';

const NOTHING = Buffer.alloc(0);

/**
 * MPEG-TS for SRT players, one writer per stream: each frame is muxed once (when the first
 * player takes it) and the bytes are shared by every SRT player of the stream. PAT and PMT go
 * before every keyframe, so a player joining at a keyframe can start there. Continuity counters
 * run on for the stream; a player that skipped frames sees a counter jump, which TS demuxers
 * take as the loss it is. A track MPEG-TS cannot carry (VP9, AV1, Opus...) is left out, and the
 * log says so once per stream.
 */
export class SrtTsOutputs {
  private readonly formats = new WeakMap<Stream, OutputFormat>();

  constructor(private readonly logger: Logger) {}

  of(stream: Stream): OutputFormat {
    let format = this.formats.get(stream);
    if (!format) {
      const left = new Set<string>();
      format = tsOutput((track, codec) => {
        if (left.has(track)) return;
        left.add(track);
        this.logger.info({ stream: `${stream.app}/${stream.name}`, track, reason: `${codec} cannot be carried in MPEG-TS` }, 'srt leaves a track out');
      });
      this.formats.set(stream, format);
    }
    return format;
  }
}

function tsOutput(leftOut: (track: 'audio' | 'video', codec: string) => void): OutputFormat {
  const writer = new TsFrameWriter();
  let started = false;
  return {
    key: 'srt-ts',
    encode(frame: MediaFrame): Buffer {
      if (frame.kind === 'data') return NOTHING;
      try {
        const { codec, carried } = writer.configure(frame);
        if (!carried) leftOut(frame.kind, codec);
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
