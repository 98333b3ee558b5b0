import type { Socket } from 'node:net';
import type { ReaderLimits, StreamReader } from '../../hub/reader.js';
import type { EncodedFrame } from '../../media/frame.js';
import { encodeControl, frameHeader } from './link-codec.js';

/**
 * One stream relayed to one other worker: an internal reader of the stream, so the frame is
 * handed across once per worker whatever the number of players there. Each frame is a header
 * and the frame's own body buffer, written corked as it comes: the other worker's players have
 * their own merged-write window, and waiting for this one too would add it to their latency.
 * A link that falls behind skips to the next keyframe, like a slow player; codec configuration
 * always passes.
 */
export class RelayOut implements StreamReader {
  readonly internal = true;
  readonly id: string;
  private waitingForKeyframe = false;
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

  /** The stream's publisher came or went on this worker. */
  control(type: 'publish' | 'unpublish' | 'end'): void {
    this.send([encodeControl(type, this.index)]);
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
