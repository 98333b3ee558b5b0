import { followTracks } from '../../codecs/describe.js';
import { Reader, type FrameSink } from '../../hub/reader.js';
import type { Publisher, Stream } from '../../hub/stream.js';
import type { MediaFrame } from '../../media/frame.js';
import type { ConnectionSlot, ServerContext } from '../context.js';
import type { SessionInfo } from '../session-info.js';
import type { SrtLinkFigures } from '../sessions.js';
import type { SrtConnection } from './srt-connection.js';
import type { TsIngest, TsIngestFactory } from './srt-ingest.js';
import type { SrtTsOutputs } from './srt-ts-output.js';

/**
 * Sends a player's TS through its connection; the unsent backlog is what the hub sees as pending:
 * the pacer's queue, and what the shared socket holds while the kernel refuses more.
 */
class ConnectionSink implements FrameSink {
  constructor(
    private readonly connection: SrtConnection,
    private readonly socketBacklog: () => number,
    private readonly onClose: (reason: string) => void,
  ) {}

  get pendingBytes(): number {
    return this.connection.sender.pendingBytes + this.socketBacklog();
  }

  write(bytes: Buffer): void {
    this.connection.send(bytes);
  }

  close(reason: string): void {
    this.onClose(reason);
  }
}

/**
 * One admitted SRT client, playing or publishing, from the gate's yes to its end. `end` is the
 * one place everything is given back: reader or publisher, the connection slot, the gate's
 * closing callbacks, and the session's log line with its transport figures.
 */
export class SrtSession {
  private ended = false;
  private damage = 0;
  /** Packets for this connection from another address or port. */
  private strays = 0;
  private playing: { stream: Stream; reader: Reader } | undefined;
  private publishing: { stream: Stream; publisher: Publisher; ingest: TsIngest } | undefined;
  private releasePull: (() => void) | undefined;

  constructor(
    private readonly ctx: ServerContext,
    readonly info: SessionInfo,
    readonly connection: SrtConnection,
    private readonly slot: ConnectionSlot,
    private readonly onEnd: (session: SrtSession) => void,
  ) {}

  /** Attaches a player to its stream; `pullFrom` (notify on_play 3xx) pulls the stream there first unless it is live. */
  play(outputs: SrtTsOutputs, socketBacklog: () => number, pullFrom?: string): void {
    const { vhost, app, stream: name } = this.info;
    if (pullFrom && !this.ctx.hub.find(vhost, app, name)?.publisher) this.releasePull = this.ctx.relays?.pullFor(vhost, app, name, pullFrom);
    const stream = this.ctx.hub.acquire(this.info.vhost, this.info.app, this.info.stream);
    const sink = new ConnectionSink(this.connection, socketBacklog, (reason) => this.connection.close(reason));
    const reader = new Reader(this.info.id, sink, outputs.of(stream));
    this.playing = { stream, reader };
    // From the live edge, as SRS's SRT players (no GOP cache): a GOP sent as one burst leaves a
    // lossy link's resends too little of the latency before libsrt's too-late drop.
    stream.addReader(reader, 'live');
    this.ctx.sessions.add(this.info, 'srt-play', () => this.link());
    this.log('play start');
  }

  /** Attaches a publisher, also pushed to `relayTo` (notify on_publish 3xx); false when the stream already has one. */
  publish(makeIngest: TsIngestFactory, relayTo?: string): boolean {
    const stream = this.ctx.hub.acquire(this.info.vhost, this.info.app, this.info.stream);
    const publisher: Publisher = { id: this.info.id, protocol: 'srt', session: this.info, close: (reason) => this.connection.close(reason) };
    if (!stream.attachPublisher(publisher)) return false;
    const ingest = makeIngest({ onFrame: (frame) => this.ingest(stream, frame), onWarning: (message) => this.damaged(message) });
    this.publishing = { stream, publisher, ingest };
    this.ctx.sessions.add(this.info, 'srt-publish', () => this.link());
    this.log('publish start');
    if (relayTo) this.ctx.relays?.relayTo(stream, relayTo);
    return true;
  }

  /** A payload the receiver delivered (publishers only). */
  payload(chunk: Buffer): void {
    try {
      this.publishing?.ingest.push(chunk);
    } catch (error) {
      // Only input that is no transport stream at all gets here; damage is a warning.
      this.connection.close(`not MPEG-TS: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    if (this.playing) {
      this.playing.stream.removeReader(this.playing.reader);
      this.ctx.gate.stopped(this.info);
    }
    this.releasePull?.();
    if (this.publishing) {
      this.publishing.ingest.end();
      this.publishing.stream.detachPublisher(this.publishing.publisher);
      this.ctx.gate.unpublished(this.info);
    }
    this.ctx.gate.closed(this.info);
    this.ctx.sessions.remove(this.info);
    this.slot.release();
    this.onEnd(this);
    this.ctx.logger.info(
      {
        ...this.fields(),
        sent: this.info.bytesSent(),
        received: this.info.bytesReceived(),
        duration_ms: Date.now() - this.info.startedAt,
        ...this.connection.statistics,
        pkt_stray: this.strays,
        reason,
      },
      'session end',
    );
  }

  private link(): SrtLinkFigures {
    const { rtt_ms, pkt_loss, pkt_retrans } = this.connection.statistics;
    return { rtt_ms: rtt_ms ?? 0, pkt_loss: pkt_loss ?? 0, pkt_retrans: pkt_retrans ?? 0 };
  }

  private ingest(stream: Stream, frame: MediaFrame): void {
    followTracks(stream, frame);
    stream.push(frame);
  }

  /** Packets the peer's address sent that cannot be its own (absurd numbers): dropped. */
  dropped(what: string): void {
    this.ctx.logger.warn({ ...this.fields(), what }, 'srt packet dropped');
  }

  /** A packet for this connection from an address that is not its peer's: logged the first time and every 1000th. */
  stray(from: string): void {
    if (this.strays++ % 1000 === 0) this.ctx.logger.warn({ ...this.fields(), from, count: this.strays }, 'srt packet from an unknown peer dropped');
  }

  /** Damaged MPEG-TS from the publisher: logged for the first time and then every 100th. */
  private damaged(message: string): void {
    if (this.damage++ % 100 === 0) this.ctx.logger.warn({ ...this.fields(), damage: this.damage, message }, 'srt publisher sent damaged MPEG-TS');
  }

  private log(message: string): void {
    const { sendLatencyMs, receiveLatencyMs } = this.connection.terms;
    this.ctx.logger.info({ ...this.fields(), param: this.info.param, latency_ms: this.publishing ? receiveLatencyMs : sendLatencyMs }, message);
  }

  private fields(): Record<string, string> {
    return { client: this.info.id, ip: this.info.ip, protocol: 'srt', stream: this.info.path };
  }
}
