import type { Socket } from 'node:net';
import type { FrameSink } from '../hub/reader.js';
import { DirectWriter } from './direct-write.js';

/** Writes a player's batches to its TCP socket (RTMP, RTSP interleaved); its backlog is what the hub sees. */
export class SocketSink implements FrameSink {
  private readonly writer: DirectWriter;

  constructor(
    private readonly socket: Socket,
    private readonly onClose: (reason: string) => void,
  ) {
    this.writer = new DirectWriter(socket);
  }

  get pendingBytes(): number {
    return this.socket.writableLength;
  }

  write(bytes: Buffer): void {
    this.writer.write(bytes);
  }

  writeAll(parts: readonly Buffer[]): void {
    this.writer.writeAll(parts);
  }

  close(reason: string): void {
    this.onClose(reason);
  }
}
