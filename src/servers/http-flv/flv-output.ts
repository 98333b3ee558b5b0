import type { ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';
import { encodeFlvTag } from '../../formats/flv/tag.js';
import type { FrameSink, OutputFormat } from '../../hub/reader.js';
import { DirectWriter, heldWrites, MAX_CHUNK_PARTS } from '../direct-write.js';

/** FLV tags, shared by every HTTP-FLV and WebSocket-FLV player of a stream. */
export const flvOutput: OutputFormat = { key: 'flv', encode: encodeFlvTag, flushWrites: heldWrites };

/**
 * A chunked HTTP response; one batch becomes one HTTP chunk, framed and sent straight to the
 * socket when neither the response nor the socket holds anything back (see DirectWriter).
 */
export class ResponseSink implements FrameSink {
  private readonly writer: DirectWriter | undefined;

  constructor(
    private readonly response: ServerResponse,
    private readonly onClose: (reason: string) => void,
  ) {
    this.writer = response.socket ? new DirectWriter(response.socket) : undefined;
  }

  get pendingBytes(): number {
    return this.response.writableLength + (this.response.socket?.writableLength ?? 0);
  }

  write(bytes: Buffer): void {
    // An empty chunk would end a chunked body: there is nothing to send anyway.
    if (bytes.length > 0) this.writeAll([bytes]);
  }

  writeAll(parts: readonly Buffer[]): void {
    const response = this.response;
    if (response.writableEnded) return;
    // `chunkedEncoding` is how Node frames this body (no Content-Length, HTTP/1.1).
    const chunked = (response as unknown as { chunkedEncoding?: boolean }).chunkedEncoding === true;
    if (this.writer?.ready && chunked && response.headersSent && response.writableLength === 0 && parts.length <= MAX_CHUNK_PARTS) {
      this.writer.writeChunk(parts);
    } else {
      this.writer?.sendHeld(); // what the writer holds of this flush goes before
      for (const part of parts) if (part.length > 0) response.write(part);
    }
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
