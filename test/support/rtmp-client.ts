import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { ChunkReader } from '../../src/protocols/rtmp/chunk-reader.js';
import { encodeMessage } from '../../src/protocols/rtmp/chunk-writer.js';
import { ClientHandshake } from '../../src/protocols/rtmp/handshake.js';
import {
  MessageType,
  commandMessage,
  decodeCommand,
  setChunkSize,
  type Command,
  type RtmpMessage,
} from '../../src/protocols/rtmp/messages.js';

/**
 * A small scripted RTMP client for tests that need to look at the protocol itself (statuses,
 * timestamps, raw media) or open many connections cheaply.
 */
export class TestRtmpClient {
  readonly messages: RtmpMessage[] = [];
  readonly commands: Command[] = [];
  mediaBytes = 0;
  closed = false;
  private readonly reader = new ChunkReader({ maxMessageSize: 16 * 1024 * 1024, maxChunkStreams: 64 });
  private outChunkSize = 128;
  private transaction = 1;
  private waiters: Array<() => void> = [];

  private constructor(
    readonly socket: Socket,
    readonly keepMedia: boolean,
  ) {
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  /** Connects, handshakes and sends `connect` for `rtmp://host:port/app`. */
  static async open(port: number, app: string, options: { keepMedia?: boolean; tcUrl?: string } = {}): Promise<TestRtmpClient> {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    const client = new TestRtmpClient(socket, options.keepMedia ?? true);
    await client.handshake();
    client.send(setChunkSize(4096));
    client.outChunkSize = 4096;
    client.send(
      commandMessage(0, 'connect', client.transaction++, {
        app,
        tcUrl: options.tcUrl ?? `rtmp://127.0.0.1:${port}/${app}`,
        flashVer: 'LNX 9,0,124,2',
        objectEncoding: 0,
      }),
    );
    await client.waitForCommand((c) => c.name === '_result' || c.name === '_error');
    return client;
  }

  send(message: RtmpMessage): void {
    this.socket.write(encodeMessage(message, this.outChunkSize));
  }

  command(name: string, streamId: number, ...args: unknown[]): void {
    this.send(commandMessage(streamId, name, this.transaction++, null, ...args));
  }

  /** createStream + publish; resolves with the onStatus code. */
  async publish(name: string): Promise<string> {
    this.command('createStream', 0);
    await this.waitForCommand((c) => c.name === '_result' && typeof c.args[0] === 'number');
    this.command('publish', 1, name, 'live');
    return this.waitForStatus(/^NetStream\.Publish\./);
  }

  /** createStream + play; resolves with the first decisive onStatus code. */
  async play(name: string): Promise<string> {
    this.command('createStream', 0);
    await this.waitForCommand((c) => c.name === '_result' && typeof c.args[0] === 'number');
    this.command('play', 1, name, -1000, -1, true);
    return this.waitForStatus(/^NetStream\.Play\.(Start|Failed|StreamNotFound)/);
  }

  /** Sends a media message on stream 1. */
  sendMedia(type: 8 | 9, timestamp: number, payload: Buffer): void {
    this.send({ type, streamId: 1, timestamp, chunkStreamId: type === 8 ? 4 : 6, payload });
  }

  media(): RtmpMessage[] {
    return this.messages.filter((m) => m.type === MessageType.Audio || m.type === MessageType.Video);
  }

  async waitForStatus(code: RegExp, timeoutMs = 10_000): Promise<string> {
    const command = await this.waitForCommand((c) => c.name === 'onStatus' && code.test(statusCode(c)), timeoutMs);
    return statusCode(command);
  }

  async waitForCommand(match: (command: Command) => boolean, timeoutMs = 10_000): Promise<Command> {
    return this.waitUntil(() => this.commands.find(match), timeoutMs, 'command');
  }

  /** Resolves once `probe` returns a value, or rejects after the timeout (or when the socket closes). */
  async waitUntil<T>(probe: () => T | undefined | false, timeoutMs = 10_000, what = 'condition'): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = probe();
      if (value) return value;
      if (this.closed) throw new Error(`connection closed while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async closedByServer(timeoutMs = 10_000): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      if (this.closed) return resolve();
      const timer = setTimeout(() => reject(new Error('server did not close the connection')), timeoutMs);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private async handshake(): Promise<void> {
    const handshake = new ClientHandshake();
    this.socket.write(handshake.start());
    await new Promise<void>((resolve, reject) => {
      const onData = (data: Buffer): void => {
        try {
          const step = handshake.feed(data);
          if (step.reply) this.socket.write(step.reply);
          if (!step.done) return;
          this.socket.off('data', onData);
          this.socket.on('data', (more: Buffer) => this.receive(more));
          if (step.rest.length > 0) this.receive(step.rest);
          resolve();
        } catch (error) {
          reject(error);
        }
      };
      this.socket.on('data', onData);
      this.socket.once('close', () => reject(new Error('closed during handshake')));
    });
  }

  private receive(data: Buffer): void {
    this.reader.push(data, (message) => {
      if (message.type === MessageType.CommandAmf0 || message.type === MessageType.CommandAmf3) {
        this.commands.push(decodeCommand(message));
      }
      const isMedia = message.type === MessageType.Audio || message.type === MessageType.Video;
      if (isMedia) this.mediaBytes += message.payload.length;
      if (!isMedia || this.keepMedia) this.messages.push(message);
    });
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

export function statusCode(command: Command): string {
  const info = command.args[0] as { code?: unknown } | undefined;
  return typeof info?.code === 'string' ? info.code : '';
}
