import type { EncodedFrame } from '../media/frame.js';
import type { Stream } from '../hub/stream.js';
import { Audience } from '../hub/audience.js';
import type { StreamReader } from '../hub/reader.js';
import { Listeners } from '../util/listeners.js';
import { createAacToOpus } from './aac-to-opus.js';
import type { AudioPacket, AudioTranscoder, TranscoderOptions, TranscoderStats } from './types.js';

const SOUND_FORMAT_AAC = 10;
const SOUND_FORMAT_EX = 9;
const EX_CODED_FRAMES = 1;
const FOURCC_OPUS = Buffer.from('Opus');

/**
 * Opus audio of hub streams for WebRTC players: one AAC to Opus transcoder per stream, started
 * when the stream's first subscriber arrives and stopped when its last leaves, its packets fanned
 * out to every subscriber. A stream whose audio is Opus already is passed through untouched. A
 * stream relayed from another worker is left alone: its Opus comes from that worker's bridge.
 */
export class OpusBridges {
  private readonly bridges = new Map<string, OpusBridge>();

  constructor(private readonly options: TranscoderOptions) {}

  /** Calls `listener` with the stream's audio as Opus packets; returns the function that unsubscribes. */
  subscribe(stream: Stream, listener: (packet: AudioPacket) => void): () => void {
    let bridge = this.bridges.get(stream.key);
    if (!bridge || bridge.stream !== stream) {
      bridge = new OpusBridge(stream, this.options);
      this.bridges.set(stream.key, bridge);
      bridge.join();
    }
    const remove = bridge.subscribers.add(listener);
    const owner = bridge;
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      remove();
      if (owner.subscribers.size > 0) return;
      if (this.bridges.get(stream.key) === owner) this.bridges.delete(stream.key);
      void owner.close();
    };
  }

  /** The transcoder of a stream, when one runs (for the API and tests). */
  statsOf(stream: Stream): TranscoderStats | undefined {
    return this.bridges.get(stream.key)?.transcoderStats;
  }

  /** Stops every transcoder (server shutdown). */
  async close(): Promise<void> {
    const bridges = [...this.bridges.values()];
    this.bridges.clear();
    await Promise.all(bridges.map((bridge) => bridge.close()));
  }
}

/** One stream's Opus: an internal reader of the stream that feeds a transcoder (or passes Opus through). */
class OpusBridge implements StreamReader {
  readonly id: string;
  readonly internal = true;
  /** It feeds WebRTC players: it hears what they may (rtmp_to_rtc). */
  readonly audience = Audience.webrtc;
  readonly subscribers: Listeners<AudioPacket>;
  private transcoder: AudioTranscoder | undefined;
  private config: Buffer | undefined;
  private queued: EncodedFrame[] = [];
  /** Frames handed over while the reader is added are the GOP cache: past audio, not sent. */
  private joining = true;
  private last = -Infinity;
  private warnedCodec = false;
  private closed = false;

  constructor(
    readonly stream: Stream,
    private readonly options: TranscoderOptions,
  ) {
    this.id = `opus-bridge:${stream.key}`;
    this.subscribers = new Listeners((error) => options.log.warn({ err: error }, 'opus subscriber failed'));
  }

  join(): void {
    this.stream.addReader(this);
    this.joining = false;
  }

  get transcoderStats(): TranscoderStats | undefined {
    return this.transcoder?.stats;
  }

  enqueue(frame: EncodedFrame): boolean {
    // A stream relayed from another worker brings its Opus from there (RelayUpstream).
    if (frame.kind !== 'audio' || this.closed || this.stream.publisher?.mirror) return false;
    if (this.joining && !frame.sequenceHeader) return false;
    this.queued.push(frame);
    return true;
  }

  flush(): void {
    const frames = this.queued;
    this.queued = [];
    for (const frame of frames) this.take(frame);
  }

  /** The publisher left: its transcoder goes with it, the next one brings its own configuration. */
  resync(): void {
    this.queued = [];
    this.stopTranscoder();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stream.removeReader(this);
    this.queued = [];
    await this.stopTranscoder();
  }

  private take(frame: EncodedFrame): void {
    const body = frame.body;
    const format = body[0]! >> 4;
    if (format === SOUND_FORMAT_AAC && body.length > 2) {
      if (body[1] === 0) this.configure(body.subarray(2));
      else this.transcoder?.write({ timestamp: frame.timestamp, data: body.subarray(2) });
    } else if (format === SOUND_FORMAT_EX && body.subarray(1, 5).equals(FOURCC_OPUS)) {
      if ((body[0]! & 0x0f) === EX_CODED_FRAMES) this.send({ timestamp: frame.timestamp, data: body.subarray(5) });
    } else if (!this.warnedCodec) {
      this.warnedCodec = true;
      this.options.log.warn({ stream: this.stream.key, soundFormat: format }, 'audio codec cannot be sent to WebRTC players: video only');
    }
  }

  private configure(config: Buffer): void {
    if (this.transcoder && this.config?.equals(config)) return;
    void this.stopTranscoder();
    this.config = Buffer.from(config);
    const log = this.options.log.child({ stream: this.stream.key, transcode: 'aac-opus' });
    try {
      this.transcoder = createAacToOpus({ ...this.options, log, audioSpecificConfig: this.config });
    } catch (error) {
      log.warn({ err: error }, 'AAC configuration cannot be transcoded to Opus: video only');
      return;
    }
    this.transcoder.onOutput((packet) => this.send(packet));
  }

  /** Fans a packet out; timestamps never go back across transcoders (republish). */
  private send(packet: AudioPacket): void {
    if (packet.timestamp < this.last) packet = { timestamp: this.last, data: packet.data };
    this.last = packet.timestamp;
    this.subscribers.emit(packet);
  }

  private stopTranscoder(): Promise<void> {
    const transcoder = this.transcoder;
    this.transcoder = undefined;
    this.config = undefined;
    return transcoder ? transcoder.close() : Promise.resolve();
  }
}
