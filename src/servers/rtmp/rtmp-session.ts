import type { Socket } from 'node:net';
import { followTracks } from '../../codecs/describe.js';
import type { Publisher, Stream } from '../../hub/stream.js';
import { Reader } from '../../hub/reader.js';
import {
  MessageType,
  UserControlEvent,
  commandMessage,
  decodeCommand,
  decodeUserControl,
  onStatus,
  pingResponse,
  setPeerBandwidth,
  windowAckSize,
  type Command,
  type RtmpMessage,
} from '../../protocols/rtmp/messages.js';
import { DEFAULT_VHOST, type VhostConfig } from '../../config/schema.js';
import { AccessDenied, ProtocolError } from '../../util/errors.js';
import type { Admission } from '../../gate/types.js';
import type { ServerContext } from '../context.js';
import { SessionInfo, clientIp } from '../session-info.js';
import { ClientTimeout, RtmpConnection } from './rtmp-connection.js';
import { objectEncodingOf, sessionFromConnect } from './rtmp-connect.js';
import { frameFromMessage, rtmpOutput } from './rtmp-media.js';
import { SocketSink } from '../socket-sink.js';
import { RtmpPlayback } from './rtmp-playback.js';
import { queryValue, resolveVhost, splitQuery } from './stream-url.js';
import { bytesSent } from '../direct-write.js';

const WINDOW_ACK_SIZE = 2_500_000;
const MEDIA_STREAM_ID = 1;

/** What the server learns from a session: when the gate first admitted it, and when it ended. */
export interface SessionEvents {
  admitted(session: RtmpSession): void;
  ended(session: RtmpSession): void;
}

/** One RTMP client: its commands, and its publish or play once the gate has admitted it. */
export class RtmpSession {
  private readonly connection: RtmpConnection;
  private info: SessionInfo | undefined;
  private publishing: { stream: Stream; publisher: Publisher; mediaSeen: boolean; settings: VhostConfig['publish'] } | undefined;
  private playing: RtmpPlayback | undefined;
  // Stops the pull a notify on_play relay started for this play (when no other player holds it).
  private releasePull: (() => void) | undefined;
  private ended = false;
  // FMLE encoders (OBS, ffmpeg) announce a publish with releaseStream/FCPublish; Flash does not.
  private fmleCommands = false;
  private readonly startedAt = Date.now();
  // The publisher silence limit in force, read by the socket's one idle-timeout listener.
  private silenceLimitMs = 0;

  /** `refusal`: why the server cannot take this client (it is told so in answer to `connect`). */
  constructor(
    socket: Socket,
    private readonly ctx: ServerContext,
    private readonly refusal: string | undefined,
    private readonly events: SessionEvents,
  ) {
    const config = ctx.config.current();
    this.connection = new RtmpConnection(
      socket,
      { maxMessageSize: config.max_message_size, handshakeTimeoutMs: this.identifyTimeoutMs },
      (message) => this.handle(message),
      (error) => this.fail(error),
    );
    socket.on('close', () => this.end('connection closed'));
    socket.on('error', (error) => this.end(`socket error: ${error.message}`));
    socket.on('timeout', () => this.silenceTimedOut());
  }

  get id(): string {
    return this.info?.id ?? '-';
  }

  /** Ends the session from outside (shutdown, slow player, gate update refused). */
  close(reason: string): void {
    this.end(reason);
  }

  private get socket(): Socket {
    return this.connection.socket;
  }

  private handle(message: RtmpMessage): void | Promise<void> {
    switch (message.type) {
      case MessageType.Audio:
      case MessageType.Video:
      case MessageType.DataAmf0:
      case MessageType.DataAmf3:
        return this.ingest(message);
      case MessageType.CommandAmf0:
      case MessageType.CommandAmf3:
        return this.command(decodeCommand(message), message.streamId);
      case MessageType.WindowAckSize:
        if (message.payload.length >= 4) this.connection.setAckWindow(message.payload.readUInt32BE(0));
        return;
      case MessageType.UserControl: {
        const control = decodeUserControl(message.payload);
        if (control.event === UserControlEvent.PingRequest) this.connection.send(pingResponse(control.value));
        return;
      }
      default:
        return; // chunk size, abort, acknowledgement, peer bandwidth: handled by the transport or not needed
    }
  }

  private ingest(message: RtmpMessage): void {
    const publishing = this.publishing;
    if (!publishing) return;
    const frame = frameFromMessage(message);
    if (!frame) return;
    // Per publish, not per stream: a stream kept by waiting players has frames from earlier ones.
    if (!publishing.mediaSeen) {
      publishing.mediaSeen = true;
      this.expectMediaWithin(publishing.settings.normal_timeout);
    }
    const { stream } = publishing;
    followTracks(stream, frame);
    stream.push(frame);
  }

  private command(command: Command, streamId: number): void | Promise<void> {
    switch (command.name) {
      case 'connect':
        return this.connect(command);
      case 'createStream':
        return this.reply(command, null, MEDIA_STREAM_ID);
      case 'releaseStream':
        this.fmleCommands = true;
        return this.reply(command, null, 0);
      case 'getStreamLength':
        return this.reply(command, null, 0);
      case 'FCPublish':
        this.fmleCommands = true;
        return this.reply(command, null);
      case 'publish':
        return this.publish(command, streamId);
      case 'play':
        return this.play(command, streamId);
      case 'FCUnpublish':
      case 'deleteStream':
      case 'closeStream':
        return this.stopMedia(command.name);
      case 'receiveAudio':
      case 'receiveVideo':
        return this.playing?.receive(command.name === 'receiveAudio' ? 'audio' : 'video', command.args[0] !== false);
      case 'pause':
        return this.playing?.pause(command.args[0] !== false);
      default:
        return; // unknown commands (onBWDone answers, _checkbw, ...) are ignored, as other servers do
    }
  }

  private reply(command: Command, commandObject: unknown, ...args: unknown[]): void {
    if (command.transactionId === 0) return;
    this.connection.send(commandMessage(0, '_result', command.transactionId, commandObject, ...args));
  }

  private async connect(command: Command): Promise<void> {
    if (this.info) throw new ProtocolError('second connect command on one connection');
    const info = sessionFromConnect(command, this.socket, this.ctx.config.current(), this.ctx.sessions.newId(), (reason) => this.end(reason));
    this.info = info;
    if (this.refusal !== undefined) return this.refuseConnect(command, this.refusal);
    try {
      await this.ctx.gate.connect(info);
    } catch (error) {
      if (!(error instanceof AccessDenied)) throw error;
      return this.refuseConnect(command, error.reason);
    }
    if (this.ended) return;
    this.connection.expect('publish or play', this.identifyTimeoutMs);
    this.connection.send(windowAckSize(WINDOW_ACK_SIZE));
    this.connection.send(setPeerBandwidth(WINDOW_ACK_SIZE, 2));
    this.connection.useChunkSize(this.vhostConfig.chunk_size ?? this.ctx.config.current().chunk_size);
    this.reply(
      command,
      { fmsVer: 'FMS/3,5,3,888', capabilities: 127, mode: 1 },
      {
        level: 'status',
        code: 'NetConnection.Connect.Success',
        description: 'Connection succeeded.',
        objectEncoding: objectEncodingOf(command),
      },
    );
  }

  private refuseConnect(command: Command, reason: string): void {
    this.ctx.logger.warn({ client: this.id, ip: this.info?.ip, reason }, 'rtmp connect refused');
    this.connection.send(
      commandMessage(0, '_error', command.transactionId, null, {
        level: 'error',
        code: 'NetConnection.Connect.Rejected',
        description: reason,
      }),
    );
    this.end(reason);
  }

  /**
   * Fills in the stream name and query of a publish/play command, then asks the gate. Resolves
   * with the admitted session and what the gate granted, or the refusal; undefined when the
   * client left meanwhile.
   */
  private async admit(command: Command, action: 'publish' | 'play'): Promise<{ info: SessionInfo; admission: Admission } | AccessDenied | undefined> {
    const info = this.info;
    if (!info) throw new ProtocolError(`${action} before connect`);
    if (this.publishing || this.playing) throw new ProtocolError(`${action} on a session that is already streaming`);
    // The client did its part; the gate's own timeout bounds the wait from here.
    this.connection.cancelDeadline();
    const requested = typeof command.args[0] === 'string' ? command.args[0] : '';
    const { name, param } = splitQuery(requested);
    info.stream = name;
    info.param = param || info.param;
    info.vhost = resolveVhost(this.ctx.config.current(), [queryValue(info.param, 'vhost'), info.vhost]);
    info.requestUrl = `${info.tcUrl}/${requested}`;
    try {
      const admission = await (action === 'publish' ? this.ctx.gate.publish(info) : this.ctx.gate.play(info));
      if (this.ended) {
        // The client left while the gate was deciding: close what the gate just opened.
        if (action === 'publish') this.ctx.gate.unpublished(info);
        else this.ctx.gate.stopped(info);
        return undefined;
      }
      if (admission.stream) info.stream = admission.stream;
      return { info, admission };
    } catch (error) {
      if (!(error instanceof AccessDenied)) throw error;
      this.ctx.logger.warn({ client: info.id, ip: info.ip, stream: info.path, action, reason: error.reason }, `rtmp ${action} refused`);
      return error;
    }
  }

  private async publish(command: Command, streamId: number): Promise<void> {
    const status = (level: 'status' | 'error', code: string, description: string): void =>
      this.connection.send(onStatus(streamId, level, code, description));
    const admitted = await this.admit(command, 'publish');
    if (!admitted) return;
    if (admitted instanceof AccessDenied) {
      status('error', 'NetStream.Publish.Rejected', admitted.reason);
      return this.end(`publish refused: ${admitted.reason}`);
    }
    const { info, admission } = admitted;
    const stream = this.ctx.hub.acquire(info.vhost, info.app, info.stream);
    const publisher: Publisher = { id: info.id, protocol: 'rtmp', session: info, close: (reason) => this.end(reason) };
    if (!stream.attachPublisher(publisher)) {
      status('error', 'NetStream.Publish.BadName', `stream ${info.path} is already publishing`);
      this.ctx.gate.unpublished(info);
      return this.end('stream busy');
    }
    // The publish keeps the settings (timeouts, read pace) it started with, whatever a reload changes later.
    const settings = this.vhostConfig.publish;
    this.socket.setNoDelay(this.vhostConfig.tcp_nodelay);
    this.connection.mergeReads(settings.mr ? settings.mr_latency : 0);
    this.publishing = { stream, publisher, mediaSeen: false, settings };
    this.ctx.sessions.add(info, this.fmleCommands ? 'fmle-publish' : 'flash-publish');
    this.events.admitted(this);
    this.expectMediaWithin(settings.firstpkt_timeout);
    status('status', 'NetStream.Publish.Start', `Started publishing stream ${info.stream}.`);
    this.ctx.logger.info({ client: info.id, ip: info.ip, protocol: 'rtmp', stream: info.path, param: info.param }, 'publish start');
    if (admission.relayTo) this.ctx.relays?.relayTo(stream, admission.relayTo);
  }

  private async play(command: Command, streamId: number): Promise<void> {
    const [, start, duration, reset] = command.args;
    if (this.info) {
      this.info.playOptions = {
        start: typeof start === 'number' ? start : -2,
        duration: typeof duration === 'number' ? duration : -1,
        reset: reset !== false,
      };
    }
    const admitted = await this.admit(command, 'play');
    if (!admitted) return;
    if (admitted instanceof AccessDenied) {
      this.connection.send(onStatus(streamId, 'error', 'NetStream.Play.Failed', admitted.reason));
      return this.end(`play refused: ${admitted.reason}`);
    }
    const { info, admission } = admitted;
    // The play waits for the stream like any other; the pull publishes it here (unless it is live already).
    if (admission.pullFrom && !this.ctx.hub.find(info.vhost, info.app, info.stream)?.publisher) this.releasePull = this.ctx.relays?.pullFor(info.vhost, info.app, info.stream, admission.pullFrom);
    const id = streamId || MEDIA_STREAM_ID;
    this.socket.setNoDelay(this.vhostConfig.tcp_nodelay);
    const sink = new SocketSink(this.socket, (reason) => this.end(reason));
    const reader = new Reader(info.id, sink, rtmpOutput(this.connection.chunkSize, id));
    const stream = this.ctx.hub.acquire(info.vhost, info.app, info.stream);
    this.playing = new RtmpPlayback(stream, reader, this.connection, id);
    this.ctx.sessions.add(info, 'rtmp-play');
    this.events.admitted(this);
    this.playing.start(info.stream);
    this.ctx.logger.info({ client: info.id, ip: info.ip, protocol: 'rtmp', stream: info.path, param: info.param }, 'play start');
  }

  private get vhostConfig(): VhostConfig {
    const { vhosts } = this.ctx.config.current();
    return vhosts[this.info?.vhost ?? DEFAULT_VHOST] ?? vhosts[DEFAULT_VHOST]!;
  }

  /** Seconds a client has for the handshake and connect, and then again to publish or play. */
  private get identifyTimeoutMs(): number {
    return this.ctx.config.current().handshake_timeout * 1000;
  }

  /**
   * The idle timer fired. After a pause of this process (a long garbage collection, a heap
   * snapshot) timers run before the socket's waiting bytes are read, so the verdict waits for the
   * next read of the socket: bytes read by then mean the silence was ours, not the publisher's.
   */
  private silenceTimedOut(): void {
    const bytesBefore = this.socket.bytesRead;
    setImmediate(() => {
      if (this.socket.bytesRead === bytesBefore) this.end(`publisher sent nothing for ${this.silenceLimitMs} ms`);
    });
  }

  /** Closes a publisher that goes silent for `ms` (the socket's idle timer). */
  private expectMediaWithin(ms: number): void {
    this.silenceLimitMs = ms;
    this.socket.setTimeout(ms);
  }

  /** Ends the publish or play but keeps the connection (deleteStream, FCUnpublish). */
  private stopMedia(reason: string): void {
    const info = this.info;
    const stopped = Boolean(info && (this.publishing || this.playing));
    if (stopped && info) this.ctx.sessions.remove(info);
    if (this.publishing && info) {
      this.publishing.stream.detachPublisher(this.publishing.publisher);
      this.socket.setTimeout(0);
      this.connection.mergeReads(0);
      this.publishing = undefined;
      this.ctx.gate.unpublished(info);
      this.ctx.logger.info({ client: info.id, stream: info.path, reason }, 'publish stop');
    }
    if (this.playing && info) {
      this.playing.stop();
      this.playing = undefined;
      this.releasePull?.();
      this.releasePull = undefined;
      this.ctx.gate.stopped(info);
    }
    // A connection that stays open after its stream ends must publish or play again, or go.
    if (stopped && !this.ended) this.connection.expect('publish or play', this.identifyTimeoutMs);
  }

  /** Client misbehaviour is a warning (a missed deadline only the session end line); the rest is ours. */
  private fail(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (!(error instanceof ClientTimeout)) {
      const level = error instanceof ProtocolError || !(error instanceof Error) ? 'warn' : 'error';
      this.ctx.logger[level]({ client: this.id, ip: clientIp(this.socket.remoteAddress), err: message }, 'rtmp client error, closing');
    }
    this.end(message);
  }

  private end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.stopMedia(reason);
    this.connection.close();
    const info = this.info;
    if (info) this.ctx.gate.closed(info);
    this.ctx.logger.info(
      {
        client: this.id,
        ip: info?.ip ?? clientIp(this.socket.remoteAddress),
        protocol: 'rtmp',
        stream: info?.stream ? info.path : undefined,
        sent: bytesSent(this.socket),
        received: this.socket.bytesRead,
        duration_ms: Date.now() - this.startedAt,
        reason,
      },
      'session end',
    );
    this.events.ended(this);
  }
}
