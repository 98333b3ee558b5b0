import { flvFileHeader } from '../../formats/flv/header.js';
import { Reader, type FrameSink } from '../../hub/reader.js';
import type { Stream } from '../../hub/stream.js';
import { AccessDenied } from '../../util/errors.js';
import type { ConnectionSlot, ServerContext } from '../context.js';
import type { SessionInfo } from '../session-info.js';
import { flvOutput } from './flv-output.js';
import { FlvTrackProbe } from './flv-tracks.js';

/** How a viewer's bytes leave: the HTTP response or the WebSocket. */
export interface FlvTransport {
  makeSink(end: (reason: string) => void): FrameSink;
  /** Sends bytes outside the frame flow (the FLV file header). */
  send(bytes: Buffer): void;
  close(): void;
}

/**
 * One HTTP-FLV or WS-FLV viewer from its connection slot to its end. `end` is the one place the
 * slot is given back, whatever ends the connection (the client leaving during the gate, a
 * refused upgrade, the stream, shutdown), and a viewer the gate admitted always gets its
 * on_stop / on_close, even when it left before the answer came.
 */
export class FlvViewer {
  private admitted = false;
  private ended = false;
  private endReason = '';
  private playing: { stream: Stream; reader: Reader; probe: FlvTrackProbe; transport: FlvTransport } | undefined;
  private pullFrom: string | undefined;
  private releasePull: (() => void) | undefined;

  constructor(
    private readonly ctx: ServerContext,
    readonly info: SessionInfo,
    private readonly slot: ConnectionSlot,
    private readonly onEnd: (viewer: FlvViewer) => void,
  ) {}

  get isEnded(): boolean {
    return this.ended;
  }

  /**
   * Asks the gate. True when admitted and still connected; a refusal is answered through
   * `refuse`. A gate failure other than a refusal ends the viewer and is thrown.
   */
  async admit(refuse: (status: number, reason: string) => void): Promise<boolean> {
    try {
      const admission = await this.ctx.gate.play(this.info);
      if (admission.stream) this.info.stream = admission.stream;
      this.pullFrom = admission.pullFrom;
    } catch (error) {
      this.end('play not admitted');
      if (!(error instanceof AccessDenied)) throw error;
      this.ctx.logger.warn({ ...this.fields(), reason: error.reason }, 'play refused');
      refuse(403, error.reason);
      return false;
    }
    this.admitted = true;
    if (!this.ended) return true;
    this.report(`${this.endReason} while the gate was deciding`);
    return false;
  }

  /** Attaches to the stream; the FLV header goes out once the stream's tracks are known. */
  play(transport: FlvTransport): void {
    if (this.ended) return;
    const { vhost, app, stream: name } = this.info;
    // A notify on_play relay: the stream is pulled here for as long as this viewer plays (unless it is live already).
    if (this.pullFrom && !this.ctx.hub.find(vhost, app, name)?.publisher) this.releasePull = this.ctx.relays?.pullFor(vhost, app, name, this.pullFrom);
    const stream = this.ctx.hub.acquire(vhost, app, name);
    const probe = new FlvTrackProbe(
      (tracks) => transport.send(flvFileHeader(tracks.audio, tracks.video)),
      () => stream.flush(),
    );
    const reader = new Reader(this.info.id, transport.makeSink((reason) => this.end(reason)), flvOutput, probe);
    this.playing = { stream, reader, probe, transport };
    stream.addReader(reader);
    this.ctx.sessions.add(this.info, 'flv-play');
    this.ctx.logger.info({ ...this.fields(), param: this.info.param }, 'play start');
  }

  end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.endReason = reason;
    this.slot.release();
    this.onEnd(this);
    if (this.playing) {
      this.ctx.sessions.remove(this.info);
      this.playing.probe.dispose();
      this.playing.stream.removeReader(this.playing.reader);
      this.playing.transport.close();
    }
    this.releasePull?.();
    if (this.admitted) this.report(reason);
  }

  private report(reason: string): void {
    this.ctx.gate.stopped(this.info);
    this.ctx.gate.closed(this.info);
    this.ctx.logger.info(
      {
        ...this.fields(),
        sent: this.info.bytesSent(),
        received: this.info.bytesReceived(),
        duration_ms: Date.now() - this.info.startedAt,
        reason,
      },
      'session end',
    );
  }

  private fields(): Record<string, string> {
    return { client: this.info.id, ip: this.info.ip, protocol: this.info.protocol, stream: this.info.path };
  }
}
