import { Listeners } from '../util/listeners.js';
import type { Logger } from '../util/logger.js';
import { SupervisedProcess } from '../util/supervised-process.js';
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

/** Bytes the child may have unread on its stdin before input is dropped (about 10 s of AAC at 64 kb/s). */
const MAX_PENDING_BYTES = 96 * 1024;
/** Restart after 250 ms, doubling up to 10 s; a child that ran 30 s counts as healthy again. */
const BACKOFF = { initialMs: 250, maxMs: 10_000, healthyMs: 30_000 };
const CLOSE_TIMEOUT_MS = 2000;
const DROP_LOG_WINDOW_MS = 10_000;

/** An AudioTranscoder over one supervised ffmpeg child, stdin to stdout. */
export class PipeTranscoder implements AudioTranscoder {
  readonly outputConfig: Buffer | undefined;
  private readonly child: SupervisedProcess;
  private readonly log: Logger;
  private readonly timeline = new Timeline();
  private readonly outputs: Listeners<AudioPacket>;
  private reader: { push(chunk: Buffer): void } | undefined;
  private counts = { framesIn: 0, framesOut: 0, skipped: 0, dropped: 0 };
  private dropWindow = { start: 0, count: 0 };
  private closed: Promise<void> | undefined;

  constructor(
    private readonly codec: PipeCodec,
    options: { ffmpegPath?: string; log: Logger; outputConfig?: Buffer },
  ) {
    this.outputConfig = options.outputConfig;
    const log = (this.log = options.log);
    this.outputs = new Listeners((error) => log.warn({ err: error }, 'transcoder output listener failed'));
    this.child = new SupervisedProcess({
      name: 'ffmpeg transcoder',
      command: options.ffmpegPath ?? 'ffmpeg',
      args: codec.args,
      logger: log,
      backoff: BACKOFF,
      stopTimeoutMs: CLOSE_TIMEOUT_MS,
      stderrLinesPer10s: 10,
      stderrLevel: 'warn',
      pipes: {
        maxPendingBytes: MAX_PENDING_BYTES,
        onStart: () => {
          this.timeline.restart();
          this.reader = codec.reader((data, seconds) => this.emit(data, seconds));
          return codec.open();
        },
        onStdout: (chunk) => this.reader?.push(chunk),
      },
    });
    this.child.start();
  }

  get stats(): TranscoderStats {
    const { framesIn, framesOut, skipped, dropped } = this.counts;
    const { pid, restarts } = this.child.status();
    return { pid, framesIn, framesOut, framesDropped: dropped + skipped, restarts };
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
    else this.drop();
  }

  onOutput(listener: (out: AudioPacket) => void): () => void {
    return this.outputs.add(listener);
  }

  close(): Promise<void> {
    this.closed ??= this.child.stop().then(() => this.flushDropLog());
    return this.closed;
  }

  private emit(data: Buffer, seconds: number): void {
    this.counts.framesOut++;
    this.outputs.emit({ timestamp: this.timeline.output(seconds), data });
  }

  private drop(): void {
    this.counts.dropped++;
    this.dropWindow.count++;
    if (Date.now() - this.dropWindow.start > DROP_LOG_WINDOW_MS) this.flushDropLog();
  }

  private flushDropLog(): void {
    if (this.dropWindow.count > 0) {
      const running = this.child.status().state === 'running';
      this.log.warn({ dropped: this.dropWindow.count, total: this.counts.dropped, running }, 'ffmpeg transcoder input dropped: the process is down or not reading');
    }
    this.dropWindow = { start: Date.now(), count: 0 };
  }
}
