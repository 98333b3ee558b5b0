import type { Socket } from 'node:net';
import { Audience } from '../../hub/audience.js';
import type { ReaderLimits, StreamReader } from '../../hub/reader.js';
import type { EncodedFrame } from '../../media/frame.js';
import type { AudioPacket } from '../../transcode/types.js';
import { encodeControl, frameHeader, opusHeader } from './link-codec.js';

/** Subscribes to a stream's Opus as this worker's WebRTC players get it; returns the unsubscribe. */
export type OpusTap = (listener: (packet: AudioPacket) => void) => () => void;

/**
 * One stream relayed to one other worker: an internal reader of the stream, so the frame is
 * handed across once per worker whatever the number of players there. Each frame is a header
 * and the frame's own body buffer, written corked as it comes: the other worker's players have
 * their own merged-write window, and waiting for this one too would add it to their latency.
 * A link that falls behind skips to the next keyframe, like a slow player; codec configuration
 * always passes. Every publish reaches it (`Audience.relay`): the other worker applies the reach
 * policy to its own readers.
 */
export class RelayOut implements StreamReader {
  readonly internal = true;
  readonly audience = Audience.relay;
  readonly id: string;
  private waitingForKeyframe = false;
  private stopOpus: (() => void) | undefined;
  framesDropped = 0;

  constructor(
    readonly index: number,
    private readonly socket: Socket,
    key: string,
  ) {
    this.id = `relay-${index}`;
    this.send([encodeControl('open', index, key)]);
  }

  enqueue(frame: EncodedFrame, limits: ReaderLimits): boolean {
    if (!frame.sequenceHeader && frame.kind !== 'data' && !this.accepts(frame, limits)) {
      this.framesDropped++;
      return false;
    }
    this.send([frameHeader(this.index, frame), frame.body]);
    return false;
  }

  /** Frames are written as they come. */
  flush(): void {}

  /** The receiving worker's players resync on their own. */
  resync(): void {}

  /** The stream's publisher came (over `protocol`) or went on this worker, or the relay ends. */
  control(type: 'publish' | 'unpublish' | 'end', protocol = ''): void {
    this.send([encodeControl(type, this.index, protocol)]);
  }

  /**
   * The other worker's WebRTC players want the stream's Opus (on) or no longer (off): it is sent
   * as this worker's own players get it, so a stream is transcoded to Opus once, on the
   * publisher's worker, and a WebRTC publisher's own Opus is passed on untouched.
   */
  relayOpus(tap: OpusTap | undefined): void {
    const stop = this.stopOpus;
    this.stopOpus = undefined;
    stop?.();
    this.stopOpus = tap?.((packet) => {
      // Audio of a link that fell behind waits for the video's keyframe, as its frames do.
      if (!this.waitingForKeyframe) this.send([opusHeader(this.index, packet), packet.data]);
    });
  }

  private accepts(frame: EncodedFrame, limits: ReaderLimits): boolean {
    if (this.socket.writableLength > limits.maxPendingBytes) {
      this.waitingForKeyframe = true;
      return false;
    }
    if (!this.waitingForKeyframe || frame.kind === 'audio') return !this.waitingForKeyframe;
    if (!frame.keyframe) return false;
    this.waitingForKeyframe = false;
    return true;
  }

  private send(buffers: Buffer[]): void {
    if (this.socket.destroyed) return;
    this.socket.cork();
    for (const buffer of buffers) this.socket.write(buffer);
    this.socket.uncork();
  }
}
