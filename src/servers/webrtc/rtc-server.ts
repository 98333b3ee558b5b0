import type { Socket } from 'node:net';
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
import { sizeReceiveBuffer } from '../listen.js';
import { bindBatchUdp, type BatchUdpSocket } from '../udp-socket.js';
import { candidateAddresses } from './candidates.js';
import { OfferRefused, SrsRtcError } from './rtc-errors.js';
import { RtcForwarder } from './rtc-forward.js';
import { RtcOutputs } from './rtc-output.js';
import { RtcSources, type RtcUpstream } from './rtc-sources.js';
import { RtcSession } from './rtc-session.js';
import { SendPacer } from './send-pacer.js';
import { RtcTcpListener, type TcpLink } from './rtc-tcp.js';
import type { PeerAddress } from './rtc-transport.js';
import { startSession } from './rtc-start.js';
import type { OfferHandler, RtcAnswer, RtcOffer } from './signalling.js';
import type { AudioPacket } from '../../transcode/types.js';
import { ufragWorker } from './rtc-ufrag.js';

/** How often sessions are serviced: NACKs, feedback, reports, consent. */
const TICK_MS = 20;
/** The longest datagram read: WebRTC keeps to a path MTU, and a DTLS flight packed past it still fits. */
const MAX_DATAGRAM = 8192;

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

/** What the WebRTC server of one worker needs of the others (through the primary). */
export interface RtcSiblings {
  /** This worker's index. */
  readonly index: number;
  /** The UDP port every worker binds (SO_REUSEPORT), claimed by the primary. */
  readonly port: number;
  /** Tells the others this worker's forwarding port; `update` gets every worker's whenever one changes. */
  announce(port: number, update: (ports: Record<number, number>) => void): void;
  /** Hands an ICE-TCP connection, with what it has sent so far, to the worker that holds its session. */
  handOver(worker: number, socket: Socket, head: Buffer): void;
}

/**
 * The WebRTC server: ICE-lite on one UDP port shared by every session. A datagram from a known
 * address goes to its session; a STUN binding request is matched to a session by the USERNAME's
 * ufrag and checked against that session's password before its address is bound to it. Anything
 * else is dropped, counted and logged now and then. Sessions whose peer goes silent (no consent
 * check, no authenticated SRTP/SRTCP: see RtcTransport.consentAt) are closed after the vhost's
 * `stun_timeout`.
 *
 * Under workers every worker runs one, all on the same port: datagrams of another worker's
 * session are passed to it (RtcForwarder), and an ICE-TCP connection is handed to it.
 */
export class RtcServer implements OfferHandler {
  private socket: BatchUdpSocket | undefined;
  private forwarder: RtcForwarder | undefined;
  private port = 0;
  private readonly byUfrag = new Map<string, RtcSession>();
  private readonly byAddress = new Map<string, RtcSession>();
  /** ICE-TCP connections that matched a session, closed with it. */
  private readonly links = new Map<TcpLink, RtcSession>();
  private tcp: RtcTcpListener | undefined;
  private tcpPort = 0;
  private readonly outputs = new RtcOutputs();
  private readonly sources = new RtcSources();
  private upstream: RtcUpstream | undefined;
  private readonly stray = new StrayCounter();
  private readonly pacer = new SendPacer((error) => this.ctx.logger.error({ err: error }, 'rtc send failed'));
  private readonly slab = new Slab();
  private timer: NodeJS.Timeout | undefined;
  readonly certificate: DtlsCertificate = generateCertificate();

  constructor(
    private readonly ctx: ServerContext,
    readonly serverId: string,
    private readonly bridges: OpusBridges | undefined,
    private readonly siblings?: RtcSiblings,
  ) {}

  async start(): Promise<number> {
    loadSrtpAddon();
    const { listen, recv_buffer_size: asked } = this.ctx.config.current().rtc_server;
    const { host } = listen;
    const siblings = this.siblings;
    const onError = (error: Error): void => this.ctx.logger.warn({ err: error.message }, 'rtc socket error');
    const socket = await bindBatchUdp(host, siblings?.port ?? listen.port, { onMessage: (datagram, peer) => this.receive(datagram, peer, true), onError, sharePort: siblings !== undefined, maxDatagram: MAX_DATAGRAM });
    // While the event loop is late, datagrams wait in this buffer; once it is full the kernel drops
    // them, consent checks among them.
    const granted = sizeReceiveBuffer(socket, asked);
    if (granted < asked) this.ctx.logger.warn({ asked, granted }, 'rtc socket receive buffer smaller than asked: raise net.core.rmem_max (sysctl) to the size asked');
    this.socket = socket;
    this.port = socket.port;
    if (siblings) {
      const forwarder = await RtcForwarder.open({ maxDatagram: MAX_DATAGRAM, deliver: (datagram, peer) => this.receive(datagram, peer, false), peerFor: (address, port) => socket.peer(address, port), onError });
      this.forwarder = forwarder;
      siblings.announce(forwarder.port, (ports) => forwarder.setPorts(ports));
    }
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.ctx.logger.info({ address: `${host}:${this.port}`, fingerprint: this.certificate.fingerprint, recv_buffer: granted, ...(this.forwarder ? { forward_port: this.forwarder.port } : {}) }, 'rtc listening');
    const { tcp } = this.ctx.config.current().rtc_server;
    if (tcp.enabled) {
      this.tcp = new RtcTcpListener({ packet: (packet, from) => this.receive(packet, from, true), closed: (from) => this.lost(from) }, this.ctx.logger);
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

  stop(): void {
    clearInterval(this.timer);
    for (const session of [...this.byUfrag.values()]) session.end('server shutting down');
    this.tcp?.stop();
    this.forwarder?.close();
    this.socket?.close();
    this.socket = undefined;
  }

  /** An ICE-TCP connection another worker handed over: its first check names a session of this one. */
  adoptTcp(socket: Socket, head: Buffer): void {
    if (this.tcp) this.tcp.accept(socket, head);
    else socket.destroy();
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
        worker: this.siblings?.index ?? 1,
        send: (datagram, to, sent) => this.send(datagram, to, sent),
        pacer: this.pacer,
        slab: this.slab,
        audioFor: (stream, listener) => this.audioFor(stream, listener),
        requestKeyframe: (stream) => this.requestKeyframe(stream) || (this.upstream?.requestKeyframe(stream) ?? false),
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

  /**
   * Under workers: streams relayed from another worker bring their Opus from there (transcoded
   * once, on the publisher's worker), and keyframe requests go there.
   */
  useUpstream(upstream: RtcUpstream): void {
    this.upstream = upstream;
  }

  /**
   * Opus of a stream published on this worker, as its WebRTC players get it: the publisher's own
   * when it publishes over WebRTC, else the transcoding bridge. Returns the unsubscribe.
   */
  localAudio(stream: Stream, listener: (packet: AudioPacket) => void): () => void {
    const source = this.sources.of(stream);
    if (source) return source.subscribe(listener);
    if (!this.bridges) throw new Error('no audio transcoder');
    return this.bridges.subscribe(stream, listener);
  }

  /** Asks a WebRTC publisher on this worker for a keyframe; false when the stream has none. */
  requestKeyframe(stream: Stream): boolean {
    const source = this.sources.of(stream);
    source?.requestKeyframe();
    return source !== undefined;
  }

  /** Opus for a player: from this worker's publisher, or relayed with the stream from another worker's. */
  private audioFor(stream: Stream, listener: (packet: AudioPacket) => void): () => void {
    const local = this.localAudio(stream, listener);
    const relayed = this.upstream?.opus(stream, listener);
    if (!relayed) return local;
    return () => {
      local();
      relayed();
    };
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

  /** One datagram to a peer, over its ICE-TCP link or the UDP socket (which queues what the kernel cannot take yet). */
  private send(datagram: Buffer, to: PeerAddress, sent: (bytes: number) => void): void {
    if (to.link) return to.link.send(datagram, () => sent(datagram.length));
    this.socket?.send(datagram, to);
    sent(datagram.length);
  }

  /**
   * A datagram from the shared port (`passable`: not yet passed on by another worker): a view of
   * the socket's read pool, which whatever keeps it must copy rather than pin.
   */
  private receive(datagram: Buffer, peer: PeerAddress, passable: boolean): void {
    const key = peerKey(peer);
    if (isStun(datagram)) return this.stun(datagram, peer, key, passable);
    const session = this.byAddress.get(key);
    if (session) return session.transport.receive(datagram, peer);
    const owner = passable && !peer.link ? this.forwarder?.routeOf(key) : undefined;
    if (owner !== undefined && this.forwarder!.forward(owner, datagram, peer)) return;
    if (this.stray.shouldLog('unknown-address')) this.ctx.logger.info({ peer: `${peer.address}:${peer.port}`, bytes: datagram.length, count: this.stray.count('unknown-address') }, 'rtc datagram from an address no session owns, dropped');
  }

  /** A check for another worker's session: the UDP peer is routed there, an ICE-TCP connection handed over. */
  private passOn(owner: number, datagram: Buffer, peer: PeerAddress, key: string): void {
    const { link } = peer;
    if (link) {
      if (link.bound) return;
      const { socket, head } = link.handOff();
      this.siblings!.handOver(owner, socket, head);
      this.ctx.logger.info({ peer: `${peer.address}:${peer.port}`, worker: owner }, 'rtc tcp connection handed to its session\'s worker');
      return;
    }
    this.forwarder!.route(key, owner);
    if (!this.forwarder!.forward(owner, datagram, peer) && this.stray.shouldLog('owner-gone')) {
      this.ctx.logger.info({ peer: `${peer.address}:${peer.port}`, worker: owner, count: this.stray.count('owner-gone') }, 'rtc STUN for a worker not running now, dropped');
    }
  }

  private stun(datagram: Buffer, peer: PeerAddress, key: string, passable: boolean): void {
    let request: BindingRequest;
    try {
      request = readBindingRequest(decodeStun(datagram));
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      if (this.stray.shouldLog('bad-stun')) this.ctx.logger.info({ peer: `${peer.address}:${peer.port}`, err: error.message }, 'rtc malformed STUN dropped');
      return;
    }
    const owner = ufragWorker(request.localUfrag);
    if (passable && this.siblings && owner !== undefined && owner !== this.siblings.index) return this.passOn(owner, datagram, peer, key);
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
    this.forwarder?.sweep(now);
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
