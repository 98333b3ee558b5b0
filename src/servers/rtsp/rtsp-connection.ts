import type { Socket } from 'node:net';
import { RtspReader, encodeResponse, type RtspInput, type RtspRequest } from '../../protocols/rtsp/message.js';
import { ProtocolError } from '../../util/errors.js';
import type { ConnectionSlot, ServerContext } from '../context.js';
import { clientIp } from '../session-info.js';
import { RtspMethods } from './rtsp-methods.js';
import type { RtspSession } from './rtsp-session.js';
import type { RtpOutputs } from './rtp-output.js';
import type { UdpPair } from './udp-pair.js';

export type Header = readonly [string, string];

/** What a method handler answers: status, headers, body; `after` runs once the answer is written. */
export interface Answer {
  status: number;
  headers?: Header[];
  body?: string;
  after?: () => void;
  /** Close the connection once the answer is written. */
  close?: string;
}

export interface ConnectionDeps {
  ctx: ServerContext;
  outputs: RtpOutputs;
  udp: UdpPair | undefined;
  slot: ConnectionSlot;
  pending: ConnectionSlot;
  ended(connection: RtspConnection): void;
}

/**
 * One RTSP client connection: requests answered one at a time in order (the socket is not read
 * while the gate decides), interleaved RTP routed to the session's tracks, and the session
 * closed when the client goes silent for longer than its timeout.
 */
export class RtspConnection {
  readonly ip: string;
  readonly reader: RtspReader;
  session: RtspSession | undefined;
  udpReceived = 0;
  private readonly inbox: RtspInput[] = [];
  private draining = false;
  private lastActivity = Date.now();
  private readonly timer: NodeJS.Timeout;
  private readonly methods: RtspMethods;
  private readonly unknownChannels = new Set<number>();
  private closed = false;

  constructor(
    readonly socket: Socket,
    readonly deps: ConnectionDeps,
  ) {
    const current = deps.ctx.config.current();
    const config = current.rtsp_server;
    this.ip = clientIp(socket.remoteAddress);
    this.reader = new RtspReader({ maxHeaderBytes: config.max_request_bytes, maxBodyBytes: config.max_request_bytes });
    this.methods = new RtspMethods(this);
    socket.on('data', (chunk) => this.receive(chunk));
    socket.on('close', () => this.close('connection closed'));
    socket.on('error', (error) => this.close(`socket error: ${error.message}`));
    const checkEvery = Math.min(config.session_timeout, current.handshake_timeout) * 250;
    this.timer = setInterval(() => this.checkIdle(), checkEvery);
  }

  /** Marks the client alive (a request, interleaved data, or a datagram from its ports). */
  touch(): void {
    this.lastActivity = Date.now();
  }

  /** Ends the session (TEARDOWN); the connection stays until the client closes it. */
  endSession(reason: string): void {
    this.session?.end(reason);
    this.session = undefined;
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.session?.end(reason);
    if (!this.session) this.deps.ctx.logger.debug({ ip: this.ip, reason }, 'rtsp connection closed');
    this.deps.pending.release();
    this.deps.slot.release();
    if (!this.socket.destroyed) this.socket.end();
    setTimeout(() => this.socket.destroy(), 1000).unref();
    this.deps.ended(this);
  }

  private receive(chunk: Buffer): void {
    this.touch();
    try {
      this.inbox.push(...this.reader.push(chunk));
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.deps.ctx.logger.info({ ip: this.ip, err: error.message }, 'rtsp client sent a bad request, closing');
      this.write(encodeResponse(400, [['CSeq', '0']]));
      this.close(error.message);
      return;
    }
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.inbox.length > 0 && !this.closed) {
        const input = this.inbox.shift()!;
        if (input.kind === 'interleaved') {
          this.interleaved(input.channel, input.data);
          continue;
        }
        const answer = this.methods.handle(input.request);
        if (answer instanceof Promise) {
          this.socket.pause();
          this.answer(input.request, await answer);
          this.socket.resume();
        } else {
          this.answer(input.request, answer);
        }
      }
    } catch (error) {
      this.deps.ctx.logger.error({ ip: this.ip, err: error instanceof Error ? error.message : String(error) }, 'rtsp request failed');
      this.close('internal error');
    } finally {
      this.draining = false;
    }
  }

  private answer(request: RtspRequest, answer: Answer): void {
    if (this.closed) {
      // The client left while the answer was made (the gate, a relayed stream's tracks): a session admitted meanwhile ends.
      this.session?.end('connection closed');
      return;
    }
    const headers: Header[] = [['CSeq', request.headers.get('cseq') ?? '0'], ['Server', 'Sluice'], ...(answer.headers ?? [])];
    this.write(encodeResponse(answer.status, headers, answer.body));
    if (answer.close) return this.close(answer.close);
    answer.after?.();
  }

  private interleaved(channel: number, data: Buffer): void {
    const recorder = this.session?.recorder;
    const target = recorder?.channelTrack(channel);
    if (target && recorder && this.session?.isRecording) return recorder.receive(target.index, data, target.rtcp);
    if (this.session?.player && this.session.transport === 'tcp') return; // a player's receiver reports
    if (!target && !this.unknownChannels.has(channel)) {
      this.unknownChannels.add(channel);
      this.deps.ctx.logger.info({ ip: this.ip, client: this.session?.info.id, channel }, 'rtsp interleaved data on a channel with no SETUP, dropped');
    }
  }

  private write(bytes: Buffer): void {
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(bytes);
  }

  private checkIdle(): void {
    const config = this.deps.ctx.config.current();
    const limit = (this.session ? config.rtsp_server.session_timeout : config.handshake_timeout) * 1000;
    if (Date.now() - this.lastActivity > limit) this.close(this.session ? `session timed out after ${limit} ms of silence` : 'no publish or play in time');
  }
}
