import { connect as tcpConnect, type Socket } from 'node:net';
import { ChunkReader } from '../../protocols/rtmp/chunk-reader.js';
import { encodeMessage } from '../../protocols/rtmp/chunk-writer.js';
import { ClientHandshake } from '../../protocols/rtmp/handshake.js';
import {
  MessageType,
  UserControlEvent,
  acknowledgement,
  commandMessage,
  decodeCommand,
  decodeUserControl,
  pingResponse,
  setChunkSize,
  userControl,
  type Command,
  type RtmpMessage,
} from '../../protocols/rtmp/messages.js';
import { tlsModule } from '../../util/tls-modules.js';
import { RelayError } from '../errors.js';
import type { RtmpUrl } from './rtmp-url.js';

export interface RtmpClientOptions {
  /** Each step (TCP/TLS connect, handshake, connect, publish or play) must complete within this. */
  stepTimeoutMs: number;
  /** Largest message accepted from the server. */
  maxMessageSize?: number;
  /** Extra trusted certificates for rtmps:// (the system's are trusted; verification stays on). */
  ca?: string | Buffer;
}

/** Outgoing chunk size: large chunks cost fewer headers. */
const OUT_CHUNK_SIZE = 4096;
const DEFAULT_ACK_WINDOW = 2_500_000;

/**
 * An RTMP client (the wire side of push and pull): connects over TCP or TLS, handshakes,
 * sends connect, then publishes or plays one stream. Media received while playing is handed to
 * `onMessage`; `onClose` is told once, with the error that ended the connection if any.
 */
export class RtmpClient {
  onMessage: (message: RtmpMessage) => void = () => {};
  onClose: (error: Error | undefined) => void = () => {};
  private readonly reader: ChunkReader;
  private handshake: ClientHandshake | undefined = new ClientHandshake();
  private handshakeDone: (() => void) | undefined;
  private transaction = 1;
  private readonly pending = new Map<number, (command: Command) => void>();
  private statusWaiter: ((command: Command) => void) | undefined;
  /** Statuses that came before anyone waited for them (several may come in one read). */
  private readonly statuses: Command[] = [];
  private started = false;
  private ackWindow = DEFAULT_ACK_WINDOW;
  private lastAckAt = 0;
  private closed = false;
  private fail: (error: Error) => void = () => {};

  private constructor(
    readonly socket: Socket,
    readonly url: RtmpUrl,
    private readonly options: RtmpClientOptions,
  ) {
    this.reader = new ChunkReader({ maxMessageSize: options.maxMessageSize ?? 16 * 1024 * 1024, maxChunkStreams: 64 });
    socket.on('data', (data: Buffer) => this.receive(data));
    socket.on('error', (error) => this.close(new RelayError(error.message, { cause: error })));
    socket.on('close', () => this.close(new RelayError('connection closed by the server')));
  }

  /** Connects and sends `connect`; rejects with a RelayError when a step fails or is too slow. */
  static async open(url: RtmpUrl, options: RtmpClientOptions): Promise<RtmpClient> {
    const tls = url.tls ? tlsModule() : undefined;
    const socket = tls
      ? tls.connect({ host: url.host, port: url.port, servername: url.host, ...(options.ca ? { ca: [...tls.rootCertificates, options.ca] } : {}) })
      : tcpConnect({ host: url.host, port: url.port });
    socket.setNoDelay(true);
    const client = new RtmpClient(socket, url, options);
    try {
      await client.step('connection', new Promise<void>((resolve) => socket.once(url.tls ? 'secureConnect' : 'connect', resolve)));
      await client.step('handshake answer', new Promise<void>((resolve) => {
        client.handshakeDone = resolve;
        socket.write(client.handshake!.start());
      }));
      client.send(setChunkSize(OUT_CHUNK_SIZE));
      const answer = await client.step('connect answer', client.call(0, 'connect', {
        app: url.app, type: 'nonprivate', flashVer: 'FMLE/3.0 (compatible; Sluice)', tcUrl: url.tcUrl,
      }));
      if (answer.name !== '_result') throw new RelayError(`connect refused: ${describe(answer)}`);
      return client;
    } catch (error) {
      client.close(error as Error);
      throw error;
    }
  }

  get chunkSize(): number {
    return OUT_CHUNK_SIZE;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** FMLE's sequence (releaseStream, FCPublish, createStream, publish); resolves with the stream id. */
  async publish(): Promise<number> {
    const name = this.url.stream;
    this.send(commandMessage(0, 'releaseStream', this.transaction++, null, name));
    this.send(commandMessage(0, 'FCPublish', this.transaction++, null, name));
    const streamId = await this.createStream();
    this.send(commandMessage(streamId, 'publish', this.transaction++, null, name, 'live'));
    await this.expectStatus(await this.step('publish answer', this.nextStatus()), 'NetStream.Publish.Start');
    this.started = true;
    return streamId;
  }

  /** createStream then play (live only); resolves once the server says playback starts. */
  async play(): Promise<number> {
    const streamId = await this.createStream();
    this.send(userControl(UserControlEvent.SetBufferLength, streamId, 3000));
    this.send(commandMessage(streamId, 'play', this.transaction++, null, this.url.stream, -1000));
    let answer = await this.step('play answer', this.nextStatus());
    if (statusCode(answer) === 'NetStream.Play.Reset') answer = await this.step('play answer', this.nextStatus());
    await this.expectStatus(answer, 'NetStream.Play.Start');
    this.started = true;
    return streamId;
  }

  /** Writes pre-encoded chunks (media shared with other readers). */
  write(bytes: Buffer): void {
    if (!this.closed) this.socket.write(bytes);
  }

  send(message: RtmpMessage): void {
    this.write(encodeMessage(message, OUT_CHUNK_SIZE));
  }

  /** Ends the connection; `error` is what onClose reports (undefined: a deliberate stop). */
  close(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.fail(error ?? new RelayError('closed'));
    this.socket.destroy();
    this.onClose(error);
  }

  private async createStream(): Promise<number> {
    const answer = await this.step('createStream answer', this.call(0, 'createStream', null));
    const id = answer.args[0];
    if (answer.name !== '_result' || typeof id !== 'number') throw new RelayError(`createStream refused: ${describe(answer)}`);
    return id;
  }

  private async expectStatus(answer: Command, code: string): Promise<void> {
    if (statusCode(answer) !== code) throw new RelayError(`${this.url.app} refused: ${describe(answer)}`);
  }

  /** Races `promise` against the step timeout and the connection ending. */
  private step<T>(what: string, promise: Promise<T>): Promise<T> {
    const ms = this.options.stepTimeoutMs;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new RelayError(`no ${what} within ${ms} ms`)), ms);
      this.fail = (error) => reject(error);
      promise.then(resolve, reject).finally(() => clearTimeout(timer));
    });
  }

  private call(streamId: number, name: string, commandObject: unknown, ...args: unknown[]): Promise<Command> {
    const id = this.transaction++;
    const answer = new Promise<Command>((resolve) => this.pending.set(id, resolve));
    this.send(commandMessage(streamId, name, id, commandObject, ...args));
    return answer;
  }

  private nextStatus(): Promise<Command> {
    const queued = this.statuses.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => (this.statusWaiter = resolve));
  }

  private receive(data: Buffer): void {
    if (this.closed) return;
    try {
      if (this.handshake) {
        const step = this.handshake.feed(data);
        if (step.reply) this.socket.write(step.reply);
        if (!step.done) return;
        this.handshake = undefined;
        this.handshakeDone?.();
        data = step.rest;
      }
      this.reader.push(data, (message) => this.handle(message));
      const received = this.reader.bytesReceived;
      if (received - this.lastAckAt >= this.ackWindow) {
        this.lastAckAt = received;
        this.send(acknowledgement(received >>> 0));
      }
    } catch (error) {
      this.close(new RelayError(`bad data from the server: ${(error as Error).message}`, { cause: error }));
    }
  }

  private handle(message: RtmpMessage): void {
    switch (message.type) {
      case MessageType.CommandAmf0:
      case MessageType.CommandAmf3:
        return this.command(decodeCommand(message));
      case MessageType.WindowAckSize:
        if (message.payload.length >= 4) this.ackWindow = message.payload.readUInt32BE(0) || DEFAULT_ACK_WINDOW;
        return;
      case MessageType.UserControl: {
        const event = decodeUserControl(message.payload);
        if (event.event === UserControlEvent.PingRequest) this.send(pingResponse(event.value));
        return;
      }
      default:
        this.onMessage(message);
    }
  }

  private command(command: Command): void {
    const waiter = this.pending.get(command.transactionId);
    if (waiter && (command.name === '_result' || command.name === '_error')) {
      this.pending.delete(command.transactionId);
      return waiter(command);
    }
    if (command.name !== 'onStatus') return;
    const code = statusCode(command);
    const statusWaiter = this.statusWaiter;
    this.statusWaiter = undefined;
    if (statusWaiter) return statusWaiter(command);
    if (!this.started) {
      this.statuses.push(command);
      return;
    }
    // After the start: the server ends the stream or reports an error.
    if (/\.(Failed|BadName|Stop|UnpublishNotify)$|Unpublish\.Success$/.test(code) || statusLevel(command) === 'error') {
      this.close(new RelayError(`server said ${describe(command)}`));
    }
  }
}

function info(command: Command): Record<string, unknown> {
  const value = command.args[0];
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function statusCode(command: Command): string {
  return String(info(command).code ?? '');
}

function statusLevel(command: Command): string {
  return String(info(command).level ?? '');
}

function describe(command: Command): string {
  const { code, description } = info(command);
  if (code === undefined) return command.name;
  return description ? `${String(code)} (${String(description)})` : String(code);
}
