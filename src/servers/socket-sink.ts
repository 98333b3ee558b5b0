import type { Socket } from 'node:net';
import type { FrameSink } from '../hub/reader.js';

/** Writes a player's batches to its TCP socket (RTMP, RTSP interleaved); its backlog is what the hub sees. */
export class SocketSink implements FrameSink {
  constructor(
    private readonly socket: Socket,
    private readonly onClose: (reason: string) => void,
  ) {}

  get pendingBytes(): number {
    return this.socket.writableLength;
  }

  write(bytes: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  close(reason: string): void {
    this.onClose(reason);
  }
}
