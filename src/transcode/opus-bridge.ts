import type { Stream } from '../hub/stream.js';
import type { AudioPacket, TranscoderOptions } from './types.js';

/**
 * Opus audio of hub streams for WebRTC players: one AAC to Opus transcoder per stream, started
 * when the stream's first subscriber arrives and stopped when its last leaves, its packets fanned
 * out to every subscriber. A stream whose audio is Opus already is passed through untouched.
 */
export class OpusBridges {
  constructor(private readonly options: TranscoderOptions) {}

  /** Calls `listener` with the stream's audio as Opus packets; returns the function that unsubscribes. */
  subscribe(stream: Stream, listener: (packet: AudioPacket) => void): () => void {
    void stream;
    void listener;
    void this.options;
    throw new Error('not implemented yet');
  }

  /** Stops every transcoder (server shutdown). */
  async close(): Promise<void> {}
}
