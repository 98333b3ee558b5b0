import type { Socket } from 'node:dgram';
import type { Stream } from '../../hub/stream.js';
import { generateCertificate, type DtlsCertificate } from '../../protocols/webrtc/certificate.js';
import { readBindingRequest, verifyIntegrity, type BindingRequest } from '../../protocols/webrtc/stun/binding.js';
import { isStun } from '../../protocols/webrtc/stun/demux.js';
import { decodeStun } from '../../protocols/webrtc/stun/message.js';
import { loadSrtpAddon } from '../../protocols/webrtc/srtp/transform.js';
import type { LocalCandidate } from '../../protocols/webrtc/sdp/answer.js';
import type { OpusBridges } from '../../transcode/opus-bridge.js';
import { ProtocolError } from '../../util/errors.js';
import { Slab } from '../../util/slab.js';
import type { ServerContext } from '../context.js';
import { bindUdp, sizeReceiveBuffer } from '../listen.js';
import { candidateAddresses } from './candidates.js';
import { OfferRefused, SrsRtcError } from './rtc-errors.js';
import { RtcOutputs } from './rtc-output.js';
import { RtcSources } from './rtc-sources.js';
import { RtcSession } from './rtc-session.js';
import { SendPacer } from './send-pacer.js';
import { RtcTcpListener, type TcpLink } from './rtc-tcp.js';
import type { PeerAddress } from './rtc-transport.js';
import { startSession } from './rtc-start.js';
import type { OfferHandler, RtcAnswer, RtcOffer } from './signalling.js';
import type { AudioPacket } from '../../transcode/types.js';

/** How often sessions are serviced: NACKs, feedback, reports, consent. */
const TICK_MS = 20;

/** Counts a kind of stray datagram and says whether to log it (the first and every 100th). */
class StrayCounter {
  private readonly counts = new Map<string, number>();

  shouldLog(kind: string): boolean {
    const count = (this.counts.get(kind) ?? 0) + 1;
    this.counts.set(kind, count);
    return count % 100 === 1;
  }

  count(kind: string): number {
    return this.counts.get(kind) ?? 0;
  }
}

/**
 * The WebRTC server: ICE-lite on one UDP port shared by every session. A datagram from a known
 * address goes to its session; a STUN binding request is matched to a session by the USERNAME's
 * ufrag and checked against that session's password before its address is bound to it. Anything
 * else is dropped, counted and logged now and then. Sessions whose peer goes silent (no consent
 * check, no authenticated SRTP/SRTCP: see RtcTransport.consentAt) are closed after the vhost's
 * `stun_timeout`.
 */
export class RtcServer implements OfferHandler {
  private socket: Socket | undefined;
  private port = 0;
  private readonly byUfrag = new Map<string, RtcSession>();
  private readonly byAddress = new Map<string, RtcSession>();
  /** ICE-TCP connections that matched a session, closed with it. */
  private readonly links = new Map<TcpLink, RtcSession>();
  private tcp: RtcTcpListener | undefined;
  private tcpPort = 0;
  private readonly outputs = new RtcOutputs();
  private readonly sources = new RtcSources();
  private readonly stray = new StrayCounter();
  private readonly pacer = new SendPacer((error) => this.ctx.logger.error({ err: error }, 'rtc send failed'));
  private readonly slab = new Slab();
  private timer: NodeJS.Timeout | undefined;
  readonly certificate: DtlsCertificate = generateCertificate();

  constructor(
    private readonly ctx: ServerContext,
    readonly serverId: string,
    private readonly bridges: OpusBridges | undefined,
  ) {}

  async start(): Promise<number> {
    loadSrtpAddon();
    const { listen, recv_buffer_size: asked } = this.ctx.config.current().rtc_server;
    const { host, port } = listen;
    const socket = await bindUdp(host, port);
    // While the event loop is late, datagrams wait in this buffer; once it is full the kernel drops
    // them, consent checks among them.
    const granted = sizeReceiveBuffer(socket, asked);
    if (granted < asked) this.ctx.logger.warn({ asked, granted }, 'rtc socket receive buffer smaller than asked: raise net.core.rmem_max (sysctl) to the size asked');
    socket.on('message', (datagram, peer) => this.receive(datagram, peer));
    socket.on('error', (error) => this.ctx.logger.warn({ err: error.message }, 'rtc socket error'));
    this.socket = socket;
    this.port = socket.address().port;
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.ctx.logger.info({ address: `${host}:${this.port}`, fingerprint: this.certificate.fingerprint, recv_buffer: granted }, 'rtc listening');
    const { tcp } = this.ctx.config.current().rtc_server;
    if (tcp.enabled) {
      this.tcp = new RtcTcpListener({ packet: (packet, from) => this.receive(packet, from), closed: (from) => this.lost(from) }, this.ctx.logger);
      this.tcpPort = await this.tcp.start(tcp.listen);
      this.ctx.logger.info({ address: `${tcp.listen.host}:${this.tcpPort}` }, 'rtc listening over tcp');
    }
    return this.port;
  }

  get sessionCount(): number {
    return this.byUfrag.size;
  }

  /** The ICE-TCP port, when `rtc_server.tcp` is enabled. */
  get tcpListenPort(): number | undefined {
    return this.tcp ? this.tcpPort : undefined;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    for (const session of [...this.byUfrag.values()]) session.end('server shutting down');
    await this.tcp?.stop();
    const socket = this.socket;
    this.socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  async offer(request: RtcOffer): Promise<RtcAnswer> {
    if (!this.socket) throw new OfferRefused(503, SrsRtcError.Disabled, 'the WebRTC server is not running');
    const slot = this.ctx.connections.acquire();
    if (!slot) throw new OfferRefused(503, SrsRtcError.Disabled, `server full: max_connections ${this.ctx.config.current().max_connections}`);
    try {
      const session = await startSession(request, {
        ctx: this.ctx,
        certificate: this.certificate,
        outputs: this.outputs,
        slot,
        candidates: (host) => this.candidates(host),
        send: (datagram, to, sent) => this.send(datagram, to, sent),
        pacer: this.pacer,
        slab: this.slab,
        audioFor: (stream, listener) => this.audioFor(stream, listener),
        sources: this.sources,
        ended: (ended) => this.forget(ended),
      });
      this.byUfrag.set(session.localUfrag, session);
      return { sdp: session.answerSdp, sessionId: session.id, token: session.token };
    } catch (error) {
      slot.release();
      throw error;
    }
  }

  end(sessionId: string, token: string): boolean {
    const session = this.resource(sessionId, token);
    session?.end('the client deleted its resource (WHIP/WHEP DELETE)');
    return session !== undefined;
  }

  knows(sessionId: string, token: string): boolean {
    return this.resource(sessionId, token) !== undefined;
  }

  /** The session a resource URL names, when its token matches. */
  private resource(sessionId: string, token: string): RtcSession | undefined {
    const session = this.byUfrag.get(sessionId.split(':')[0] ?? '');
    return session && session.id === sessionId && session.token === token ? session : undefined;
  }

  /** Host candidates as `protocol` says: UDP, TCP (passive, RFC 6544) or both, UDP first. */
  private candidates(host: string | undefined): LocalCandidate[] {
    const config = this.ctx.config.current().rtc_server;
    const addresses = candidateAddresses(config, host);
    const udp: LocalCandidate[] = config.protocol === 'tcp' ? [] : addresses.map((address) => ({ address, port: this.port, protocol: 'udp' }));
    const tcp: LocalCandidate[] = config.protocol === 'udp' || !this.tcp ? [] : addresses.map((address) => ({ address, port: this.tcpPort, protocol: 'tcp' }));
    return [...udp, ...tcp];
  }

  /** Opus for a player: the publisher's own when it publishes over WebRTC, else the transcoding bridge. */
  private audioFor(stream: Stream, listener: (packet: AudioPacket) => void): () => void {
    const source = this.sources.of(stream);
    if (source) return source.subscribe(listener);
    if (!this.bridges) throw new Error('no audio transcoder');
    return this.bridges.subscribe(stream, listener);
  }

  private forget(session: RtcSession): void {
    if (this.byUfrag.get(session.localUfrag) === session) this.byUfrag.delete(session.localUfrag);
    for (const [address, owner] of this.byAddress) if (owner === session) this.byAddress.delete(address);
    for (const [link, owner] of this.links) {
      if (owner !== session) continue;
      this.links.delete(link);
      link.close();
    }
  }

  /** An ICE-TCP connection closed: a session that sent its media over it has lost its peer. */
  private lost(from: PeerAddress): void {
    const { link } = from;
    const session = link && this.links.get(link);
    if (!link || !session) return;
    this.links.delete(link);
    this.byAddress.delete(peerKey(from));
    if (session.transport.peer?.link === link) session.end('ice-tcp connection closed');
  }

  /**
   * One datagram to a peer, over its ICE-TCP link or the UDP socket. libuv writes a datagram at
   * once when nothing waits in the socket's queue, so only one sent while others wait needs the
   * completion that tells its session when it has left (and the nextTick that completion costs).
   * The one the kernel cannot take at once is queued uncounted; those behind it are counted.
   */
  private send(datagram: Buffer, to: PeerAddress, sent: (bytes: number) => void): void {
    const socket = this.socket;
    if (to.link) to.link.send(datagram, () => sent(datagram.length));
    else if (!socket) sent(datagram.length);
    else if (socket.getSendQueueCount() > 0) socket.send(datagram, to.port, to.address, () => sent(datagram.length));
    else {
      socket.send(datagram, to.port, to.address);
      sent(datagram.length);
    }
  }

  private receive(datagram: Buffer, peer: PeerAddress): void {
    const key = peerKey(peer);
    if (isStun(datagram)) return this.stun(datagram, peer, key);
    const session = this.byAddress.get(key);
    if (session) return session.transport.receive(datagram, peer);
    if (this.stray.shouldLog('unknown-address')) this.ctx.logger.info({ peer: `${peer.address}:${peer.port}`, bytes: datagram.length, count: this.stray.count('unknown-address') }, 'rtc datagram from an address no session owns, dropped');
  }

  private stun(datagram: Buffer, peer: PeerAddress, key: string): void {
    let request: BindingRequest;
    try {
      request = readBindingRequest(decodeStun(datagram));
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      if (this.stray.shouldLog('bad-stun')) this.ctx.logger.info({ peer: `${peer.address}:${peer.port}`, err: error.message }, 'rtc malformed STUN dropped');
      return;
    }
    const session = this.byUfrag.get(request.localUfrag);
    if (!session || session.remoteUfrag !== request.remoteUfrag) {
      if (this.stray.shouldLog('ufrag')) this.ctx.logger.info({ peer: `${peer.address}:${peer.port}`, username: `${request.localUfrag}:${request.remoteUfrag}`, count: this.stray.count('ufrag') }, 'rtc STUN for no session (unknown ufrag), ignored');
      return;
    }
    if (!verifyIntegrity(request.message, session.localPwd)) {
      if (this.stray.shouldLog('integrity')) this.ctx.logger.warn({ peer: `${peer.address}:${peer.port}`, session: session.id, count: this.stray.count('integrity') }, 'rtc STUN with bad MESSAGE-INTEGRITY, ignored');
      return;
    }
    this.byAddress.set(key, session);
    if (peer.link) {
      peer.link.bound = true;
      this.links.set(peer.link, session);
    }
    session.transport.stun(request, peer);
  }

  private tick(): void {
    const now = Date.now();
    for (const session of [...this.byUfrag.values()]) {
      const timeout = session.stunTimeoutMs;
      if (now - session.transport.consentAt > timeout) {
        session.end(`consent expired: no STUN binding request nor authenticated packet for ${timeout / 1000} s`);
        continue;
      }
      session.tick(now);
    }
  }
}

/** Where a peer's packets come from: its UDP address, or its ICE-TCP connection's. */
function peerKey(peer: PeerAddress): string {
  return peer.link ? `tcp|${peer.address}|${peer.port}` : `${peer.address}|${peer.port}`;
}
