import { Listeners } from '../util/listeners.js';
import type { Logger } from '../util/logger.js';
import { FfmpegChild } from './ffmpeg-child.js';
import { Timeline } from './timeline.js';
import type { AudioPacket, AudioTranscoder, TranscoderStats } from './types.js';

/** How one direction frames its input for ffmpeg and reads ffmpeg's output back. */
export interface PipeCodec {
  readonly args: readonly string[];
  /** At each start of the child: the bytes its input opens with (container headers). */
  open(): Buffer | undefined;
  /** The bytes of one input frame and its duration in seconds; undefined to skip it. */
  frame(packet: AudioPacket): { bytes: Buffer; seconds: number } | undefined;
  /** A parser of the child's stdout that calls `emit` per output frame. */
  reader(emit: (data: Buffer, seconds: number) => void): { push(chunk: Buffer): void };
}

/** An AudioTranscoder over one supervised ffmpeg child, stdin to stdout. */
export class PipeTranscoder implements AudioTranscoder {
  readonly outputConfig: Buffer | undefined;
  private readonly child: FfmpegChild;
  private readonly timeline = new Timeline();
  private readonly outputs: Listeners<AudioPacket>;
  private reader: { push(chunk: Buffer): void } | undefined;
  private counts = { framesIn: 0, framesOut: 0, skipped: 0 };
  private closed: Promise<void> | undefined;

  constructor(
    private readonly codec: PipeCodec,
    options: { ffmpegPath?: string; log: Logger; outputConfig?: Buffer },
  ) {
    this.outputConfig = options.outputConfig;
    const log = options.log;
    this.outputs = new Listeners((error) => log.warn({ err: error }, 'transcoder output listener failed'));
    this.child = new FfmpegChild({
      ffmpegPath: options.ffmpegPath ?? 'ffmpeg',
      args: codec.args,
      log,
      onStart: () => {
        this.timeline.restart();
        this.reader = codec.reader((data, seconds) => this.emit(data, seconds));
        return codec.open();
      },
      onStdout: (chunk) => this.reader?.push(chunk),
    });
  }

  get stats(): TranscoderStats {
    const { framesIn, framesOut, skipped } = this.counts;
    return { pid: this.child.pid, framesIn, framesOut, framesDropped: this.child.dropped + skipped, restarts: this.child.restarts };
  }

  write(packet: AudioPacket): void {
    if (this.closed) return;
    this.counts.framesIn++;
    const input = this.codec.frame(packet);
    if (!input) {
      this.counts.skipped++;
      return;
    }
    // Only what reached the child is on its timeline: dropped input leaves a gap, re-anchored.
    if (this.child.write(input.bytes)) this.timeline.input(packet.timestamp, input.seconds);
  }

  onOutput(listener: (out: AudioPacket) => void): () => void {
    return this.outputs.add(listener);
  }

  close(): Promise<void> {
    this.closed ??= this.child.close();
    return this.closed;
  }

  private emit(data: Buffer, seconds: number): void {
    this.counts.framesOut++;
    this.outputs.emit({ timestamp: this.timeline.output(seconds), data });
  }
}
