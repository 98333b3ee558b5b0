import type { Stream } from '../../hub/stream.js';
import type { AudioPacket } from '../../transcode/types.js';

/**
 * A WebRTC publisher as its stream's WebRTC players reach it: its Opus, untouched (no transcoding
 * between two WebRTC peers), and keyframe requests passed on to it.
 */
export class RtcSource {
  private readonly listeners = new Set<(packet: AudioPacket) => void>();

  constructor(readonly requestKeyframe: () => void) {}

  write(packet: AudioPacket): void {
    for (const listener of this.listeners) listener(packet);
  }

  subscribe(listener: (packet: AudioPacket) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** The WebRTC publishers of the server's streams. */
export class RtcSources {
  private readonly sources = new Map<Stream, RtcSource>();

  /** Registers a stream's WebRTC publisher; returns the function that unregisters it. */
  open(stream: Stream, source: RtcSource): () => void {
    this.sources.set(stream, source);
    return () => {
      if (this.sources.get(stream) === source) this.sources.delete(stream);
    };
  }

  /** The stream's publisher when it publishes over WebRTC now. */
  of(stream: Stream): RtcSource | undefined {
    return stream.publisher?.protocol === 'webrtc' ? this.sources.get(stream) : undefined;
  }
}

/**
 * Under workers, the publisher of a stream relayed from another worker as this worker's WebRTC
 * players reach it: its Opus as that worker's own players get it (transcoded once there), and
 * keyframe requests passed on to it.
 */
export interface RtcUpstream {
  /** Adds a listener of the stream's relayed Opus (none while it is not relayed here); returns the unsubscribe. */
  opus(stream: Stream, listener: (packet: AudioPacket) => void): () => void;
  /** Asks the stream's publisher for a keyframe; false when the stream is not relayed here. */
  requestKeyframe(stream: Stream): boolean;
}
