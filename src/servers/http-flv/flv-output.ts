import type { ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';
import { encodeFlvTag } from '../../formats/flv/tag.js';
import type { FrameSink, OutputFormat } from '../../hub/reader.js';

/** FLV tags, shared by every HTTP-FLV and WebSocket-FLV player of a stream. */
export const flvOutput: OutputFormat = { key: 'flv', encode: encodeFlvTag };

/** A chunked HTTP response; one batch becomes one HTTP chunk. */
export class ResponseSink implements FrameSink {
  constructor(
    private readonly response: ServerResponse,
    private readonly onClose: (reason: string) => void,
  ) {}

  get pendingBytes(): number {
    return this.response.writableLength + (this.response.socket?.writableLength ?? 0);
  }

  write(bytes: Buffer): void {
    if (!this.response.writableEnded) this.response.write(bytes);
  }

  close(reason: string): void {
    this.onClose(reason);
  }
}

/** A WebSocket; one batch becomes one binary message (mpegts.js reads FLV across messages). */
export class WebSocketSink implements FrameSink {
  constructor(
    private readonly socket: WebSocket,
    private readonly onClose: (reason: string) => void,
  ) {}

  get pendingBytes(): number {
    return this.socket.bufferedAmount;
  }

  write(bytes: Buffer): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(bytes, { binary: true });
  }

  close(reason: string): void {
    this.onClose(reason);
  }
}
