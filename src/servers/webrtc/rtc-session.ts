import type { Publisher, Stream } from '../../hub/stream.js';
import { parseRtcp } from '../../protocols/rtp/rtcp-parse.js';
import type { RtcpPacket } from '../../protocols/rtp/rtcp-packets.js';
import { ProtocolError } from '../../util/errors.js';
import type { ConnectionSlot, ServerContext } from '../context.js';
import type { SessionInfo } from '../session-info.js';
import type { RtcLinkCounters } from './rtc-link.js';
import type { AudioSource, RtcPlayer } from './rtc-play.js';
import type { RtcPublisher } from './rtc-publish.js';
import type { RtcTransport } from './rtc-transport.js';

/** A publisher's side of a session: its stream, its hub claim and where its Opus goes. */
export interface Publishing {
  stream: Stream;
  publisher: Publisher;
  media: RtcPublisher;
  /** Stops the Opus to AAC bridge (and the taps of WebRTC players). */
  closeAudio(): void;
}

/**
 * One admitted WebRTC peer, from the gate's yes to its end: the transport, and a player or a
 * publisher once DTLS is up. `end` is the one place everything is given back: the reader or
 * the hub claim, the connection slot, the gate's closing callbacks, the registry entry, and the
 * session's log line with its link figures.
 */
export class RtcSession {
  private ended = false;
  private connectedAt: number | undefined;
  private rtcpDamage = 0;
  private player: RtcPlayer | undefined;
  readonly localUfrag: string;
  readonly localPwd: string;
  readonly remoteUfrag: string;
  readonly token: string;
  readonly answerSdp: string;
  readonly stunTimeoutMs: number;

  constructor(
    private readonly ctx: ServerContext,
    readonly info: SessionInfo,
    readonly transport: RtcTransport,
    parts: { localUfrag: string; localPwd: string; remoteUfrag: string; token: string; answerSdp: string; stunTimeoutMs: number },
    private readonly slot: ConnectionSlot,
    private readonly counters: RtcLinkCounters,
    private readonly role: { play: () => { player: RtcPlayer; audio: AudioSource | undefined } } | { publishing: Publishing },
    private readonly onEnd: (session: RtcSession) => void,
  ) {
    this.localUfrag = parts.localUfrag;
    this.localPwd = parts.localPwd;
    this.remoteUfrag = parts.remoteUfrag;
    this.token = parts.token;
    this.answerSdp = parts.answerSdp;
    this.stunTimeoutMs = parts.stunTimeoutMs;
  }

  get id(): string {
    return `${this.localUfrag}:${this.remoteUfrag}`;
  }

  get publishing(): Publishing | undefined {
    return 'publishing' in this.role ? this.role.publishing : undefined;
  }

  /** DTLS is up: media may flow. */
  connected(): void {
    this.connectedAt = Date.now();
    if ('play' in this.role) {
      const { player, audio } = this.role.play();
      this.player = player;
      player.start(audio, (reason) => this.end(reason));
    }
    const peer = this.transport.peer && `${this.transport.peer.address}:${this.transport.peer.port}`;
    this.ctx.logger.info({ ...this.fields(), peer, setup_ms: this.connectedAt - this.info.startedAt }, `rtc ${this.player ? 'play' : 'publish'} start`);
  }

  rtp(packet: Buffer): void {
    if ('publishing' in this.role) this.role.publishing.media.rtp(packet);
  }

  rtcp(data: Buffer): void {
    let packets: RtcpPacket[];
    try {
      packets = parseRtcp(data);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      if (this.rtcpDamage++ % 100 === 0) this.ctx.logger.info({ ...this.fields(), err: error.message, count: this.rtcpDamage }, 'rtc peer sent malformed RTCP');
      return;
    }
    if ('publishing' in this.role) this.role.publishing.media.rtcp(packets);
    else this.player?.rtcp(packets);
  }

  tick(now: number): void {
    if (this.connectedAt === undefined) return;
    if ('publishing' in this.role) this.role.publishing.media.tick(now);
    else this.player?.tick(now);
  }

  end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.transport.close();
    if ('play' in this.role) {
      this.player?.stop();
      this.ctx.gate.stopped(this.info);
    } else {
      const { stream, publisher, closeAudio } = this.role.publishing;
      closeAudio();
      stream.detachPublisher(publisher);
      this.ctx.gate.unpublished(this.info);
    }
    this.ctx.gate.closed(this.info);
    this.ctx.sessions.remove(this.info);
    this.slot.release();
    this.onEnd(this);
    const damage = 'publishing' in this.role ? { damaged_packets: this.role.publishing.media.damage } : {};
    this.ctx.logger.info(
      {
        ...this.fields(),
        sent: this.info.bytesSent(),
        received: this.info.bytesReceived(),
        duration_ms: Date.now() - this.info.startedAt,
        ...this.counters.figures(),
        ...this.transport.drops,
        ...damage,
        reason,
      },
      'session end',
    );
  }

  private fields(): Record<string, string> {
    return { client: this.info.id, ip: this.info.ip, protocol: 'webrtc', stream: this.info.path, session: this.id };
  }
}
