// A minimal RTMP client connection: handshake, connect, createStream, then raw messages.
// It answers only what servers insist on: acknowledgements and ping requests.
import { connect as tcpConnect, type Socket } from 'node:net';
import {
  ClientHandshake,
  MessageType,
  UserControlEvent,
  acknowledgement,
  commandMessage,
  decodeCommand,
  decodeUserControl,
  encodeMessage,
  pingResponse,
  setChunkSize,
  type Command,
  type RtmpMessage,
} from '../../src/protocols/rtmp/index.js';
import { ChunkScanner } from './chunk-scanner.js';

/** Our outgoing chunk size; the publisher's media goes out in chunks of this size. */
const OUT_CHUNK_SIZE = 4096;
const CALL_TIMEOUT_MS = 10_000;
/**
 * One read buffer for every socket: each read is parsed before the next one is made, and the
 * scanner keeps no views of it, so a thousand players allocate nothing per read.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

export class RtmpClient {
  private readonly socket: Socket;
  /** Called with every control or command message the client does not handle itself. */
  onMessage: (msg: RtmpMessage) => void = () => {};
  /** Called for each audio, video or data message, with the time its last bytes arrived. */
  onMedia: (type: number, timestamp: number, length: number, now: number) => void = () => {};
  /** Called once when the connection ends. */
  onClose: () => void = () => {};
  private readonly handshake = new ClientHandshake();
  private handshaking = true;
  private readonly scanner = new ChunkScanner();
  /** When the bytes being parsed arrived. */
  private readAt = 0;
  private readonly media = (type: number, timestamp: number, length: number) => this.onMedia(type, timestamp, length, this.readAt);
  private ackWindow = 0;
  private ackedBytes = 0;
  private nextTxid = 1;
  private readonly calls = new Map<number, { resolve: (c: Command) => void; reject: (e: Error) => void }>();
  private readonly ready: Promise<void>;
  private handshakeDone = () => {};
  private closed = false;

  constructor(private readonly port: number) {
    const onread = { buffer: READ_BUFFER, callback: (size: number) => this.onRead(READ_BUFFER.subarray(0, size)) };
    this.socket = tcpConnect({ host: '127.0.0.1', port, noDelay: true, onread });
    this.ready = new Promise((resolve, reject) => {
      this.handshakeDone = resolve;
      this.socket.once('close', () => reject(new Error('connection closed during handshake')));
    });
    this.socket.once('connect', () => this.socket.write(this.handshake.start()));
    this.socket.on('error', () => {}); // reported through 'close'
    this.socket.once('close', () => {
      this.closed = true;
      for (const call of this.calls.values()) call.reject(new Error('connection closed'));
      this.calls.clear();
      this.onClose();
    });
  }

  private onRead(data: Buffer): boolean {
    try {
      if (this.handshaking) this.feedHandshake(data);
      else this.feed(data, performance.now());
    } catch (err) {
      this.socket.destroy(err as Error);
    }
    return true;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private feedHandshake(data: Buffer): void {
    const step = this.handshake.feed(data);
    if (step.reply) this.socket.write(step.reply);
    if (!step.done) return;
    this.handshaking = false;
    this.send(setChunkSize(OUT_CHUNK_SIZE));
    this.handshakeDone();
    if (step.rest.length > 0) this.feed(step.rest, performance.now());
  }

  private feed(data: Buffer, now: number): void {
    this.readAt = now;
    this.scanner.push(data, this.handle, this.media);
    // Servers such as nginx-rtmp stop sending to a peer that does not acknowledge its window.
    const received = this.scanner.bytesReceived;
    if (this.ackWindow > 0 && received - this.ackedBytes >= this.ackWindow) {
      this.send(acknowledgement(received));
      this.ackedBytes = received;
    }
  }

  private readonly handle = (msg: RtmpMessage): void => {
    switch (msg.type) {
      case MessageType.WindowAckSize:
        this.ackWindow = msg.payload.readUInt32BE(0);
        return;
      case MessageType.UserControl: {
        const { event, value } = decodeUserControl(msg.payload);
        if (event === UserControlEvent.PingRequest) this.send(pingResponse(value));
        return;
      }
      case MessageType.CommandAmf0: {
        const command = decodeCommand(msg);
        const call = this.calls.get(command.transactionId);
        if (call && (command.name === '_result' || command.name === '_error')) {
          this.calls.delete(command.transactionId);
          if (command.name === '_result') call.resolve(command);
          else call.reject(new Error(`server answered _error: ${JSON.stringify(command.args)}`));
          return;
        }
        break;
      }
    }
    this.onMessage(msg);
  };

  send(msg: RtmpMessage): void {
    if (!this.closed) this.socket.write(encodeMessage(msg, OUT_CHUNK_SIZE));
  }

  /** Sends a command on the connection's stream 0 and waits for its _result. */
  call(name: string, commandObject: unknown, ...args: unknown[]): Promise<Command> {
    const txid = this.nextTxid++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.calls.delete(txid);
        reject(new Error(`no answer to ${name} in ${CALL_TIMEOUT_MS} ms`));
      }, CALL_TIMEOUT_MS);
      this.calls.set(txid, {
        resolve: (c) => (clearTimeout(timer), resolve(c)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.send(commandMessage(0, name, txid, commandObject, ...args));
    });
  }

  /** Handshake, connect to `app`, createStream; returns the new message stream id. */
  async open(app: string): Promise<number> {
    await this.ready;
    const tcUrl = `rtmp://127.0.0.1:${this.port}/${app}`;
    await this.call('connect', { app, tcUrl, flashVer: 'LNX 9,0,124,2', fpad: false, capabilities: 15, audioCodecs: 3191, videoCodecs: 252, videoFunction: 1 });
    const created = await this.call('createStream', null);
    const streamId = created.args[0];
    if (typeof streamId !== 'number') throw new Error('createStream returned no stream id');
    return streamId;
  }

  close(): void {
    this.socket.destroy();
  }
}
