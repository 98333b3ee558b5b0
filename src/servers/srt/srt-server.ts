import { randomInt } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { CookieJar } from '../../protocols/srt/cookie.js';
import { HandshakeType, decodeHandshake, type Handshake } from '../../protocols/srt/handshake.js';
import { ControlType, HEADER_SIZE } from '../../protocols/srt/packet.js';
import { RejectReason } from '../../protocols/srt/reject.js';
import { parseStreamId } from '../../protocols/srt/stream-id.js';
import { ProtocolError } from '../../util/errors.js';
import type { ServerContext } from '../context.js';
import { bindBatchUdp, type DatagramSocket, type UdpPeer } from '../udp-socket.js';
import { SrtAdmission, type LocalAddress } from './srt-admission.js';
import { HandshakeRefused, checkEncryption, inductionResponse, readConclusion, type ListenerTerms } from './srt-handshake.js';
import type { TsIngestFactory } from './srt-ingest.js';
import type { SrtSession } from './srt-session.js';
import { SrtTsOutputs } from './srt-ts-output.js';

/**
 * How often every connection is serviced: pacing, ACK (libsrt: every 10 ms), TSBPD delivery.
 * Pacing a player's output needs the short period; with only publishers, the ACK period is
 * enough, and timer wakeups cost CPU (an idle Node process with a 5 ms timer takes 1-2 % of a
 * core on a busy VM).
 */
const PACING_TICK_MS = 5;
const ACK_TICK_MS = 10;
const FLOW_WINDOW = 8192;
const UNLIMITED_BANDWIDTH = 125_000_000; // libsrt's maxbw -1: 1 Gbps

/**
 * The SRT listener: one UDP socket, handshakes answered with SYN cookies (no state until a
 * conclusion echoes a valid cookie), then every packet routed by its destination socket id to
 * the connection that owns it. Players and publishers are admitted by the gate before the
 * handshake completes, so a refusal is an SRT rejection with its reason code.
 */
export class SrtServer {
  private socket: DatagramSocket | undefined;
  private readonly sessions = new Map<number, SrtSession>();
  private readonly cookies = new CookieJar();
  private readonly listenerId = randomInt(1, 0x40000000);
  private readonly admission: SrtAdmission;
  private timer: NodeJS.Timeout | undefined;
  private tickMs = 0;
  private local: LocalAddress = { host: '127.0.0.1', port: 0 };
  /** Packets for no connection of ours (a closed one's stragglers, or forged ids). */
  private orphans = 0;

  constructor(
    private readonly ctx: ServerContext,
    ingest: TsIngestFactory,
    /** Under workers: the port the primary claimed, which every worker binds (SO_REUSEPORT). */
    private readonly sharedPort?: number,
  ) {
    this.admission = new SrtAdmission({
      ctx,
      terms: this.terms(),
      ingest,
      outputs: new SrtTsOutputs(ctx.logger),
      pending: ctx.pending,
      newSocketId: () => this.newSocketId(),
      send: (datagram, peer) => this.send(datagram, peer),
      socketBacklog: () => this.socket?.pendingBytes ?? 0,
      opened: (session) => this.opened(session),
      closed: (session) => this.sessions.delete(session.connection.terms.socketId),
    });
  }

  async start(): Promise<number> {
    const { host, port: configured } = this.ctx.config.current().srt_server.listen;
    const port = this.sharedPort ?? configured;
    // Read and written in batches (recvmmsg/sendmmsg): SRT is a datagram per 1316 bytes of TS.
    const socket = await bindBatchUdp(host, port, {
      sharePort: this.sharedPort !== undefined,
      onMessage: (datagram, peer) => this.receive(datagram, peer),
      onError: (error) => this.ctx.logger.warn({ err: error.message }, 'srt socket error'),
    });
    this.socket = socket;
    const bound = socket.port;
    this.local = { host: publicAddress(host), port: bound };
    this.ctx.logger.info({ address: `${host}:${bound}` }, 'srt listening');
    return bound;
  }

  /** Connections held: accepted ones, and callers waiting for the gate. */
  get sessionCount(): number {
    return this.admission.held;
  }

  async stop(): Promise<void> {
    for (const session of [...this.sessions.values()]) session.connection.close('server shutting down');
    this.schedule(0);
    this.socket?.close();
    this.socket = undefined;
  }

  private terms(): ListenerTerms {
    const srt = this.ctx.config.current().srt_server;
    return {
      mtu: srt.mss,
      flowWindow: FLOW_WINDOW,
      receiveLatencyMs: srt.recvlatency ?? srt.latency ?? 120,
      peerLatencyMs: srt.peerlatency ?? srt.latency ?? 0,
      tooLateDrop: srt.tlpktdrop,
      tsbpd: srt.tsbpdmode,
      maxBandwidth: srt.maxbw > 0 ? srt.maxbw : UNLIMITED_BANDWIDTH,
      idleTimeoutMs: srt.peer_idle_timeout,
    };
  }

  /** Routes a datagram by the socket id in its header; only handshakes are decoded here. */
  private receive(datagram: Buffer, peer: UdpPeer): void {
    if (datagram.length < HEADER_SIZE) return; // not SRT: nothing to answer
    const destinationId = datagram.readUInt32BE(12);
    const session = this.sessions.get(destinationId);
    if (session) {
      const { terms } = session.connection;
      if (terms.peer.port !== peer.port || terms.peer.address !== peer.address) return session.stray(`${peer.address}:${peer.port}`);
      try {
        session.connection.receive(datagram);
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw error;
        this.ctx.logger.warn({ client: session.info.id, ip: session.info.ip, err: error.message }, 'srt client error, closing');
        session.connection.close(error.message);
      }
      return;
    }
    const toListener = destinationId === 0 || destinationId === this.listenerId;
    if (toListener && datagram.readUInt32BE(0) >>> 16 === (0x8000 | ControlType.Handshake)) return this.handshake(datagram.subarray(HEADER_SIZE), peer);
    // Logged the first time and every 1000th, so a flood of forged ids costs no more than a line now and then.
    if (this.orphans++ % 1000 === 0) {
      this.ctx.logger.info({ ip: peer.address, socket_id: destinationId, count: this.orphans }, 'srt packet for no connection dropped');
    }
  }

  private handshake(body: Buffer, peer: UdpPeer): void {
    let request: Handshake;
    try {
      request = decodeHandshake(body);
    } catch {
      return;
    }
    // Read at each handshake, so a reload's passphrase applies to the next caller.
    const srt = this.ctx.config.current().srt_server;
    if (request.type === HandshakeType.Induction) {
      const cookie = this.cookies.issue(peer.address, peer.port);
      const pbkeylen = srt.passphrase ? srt.pbkeylen : 0;
      this.send(inductionResponse(request, peer, cookie, this.listenerId, this.admission.terms, pbkeylen), peer);
      return;
    }
    // Anything but a conclusion carrying a cookie we issued is dropped unanswered: no state, no echo.
    if (request.type !== HandshakeType.Conclusion || !this.cookies.check(peer.address, peer.port, request.cookie)) return;
    if (this.admission.repeat(request, peer)) return;
    let conclusion;
    let wanted;
    let passphrase;
    try {
      conclusion = readConclusion(request);
      wanted = parseStreamId(conclusion.streamId || srt.default_streamid, srt.default_app);
      if (!wanted) throw new HandshakeRefused(RejectReason.BadRequest, `stream id "${conclusion.streamId}" names no stream`);
      // The stream's own passphrase, if it has one, else the server's.
      passphrase = srt.streams[`${wanted.app}/${wanted.stream}`]?.passphrase ?? srt.passphrase;
      checkEncryption(conclusion, passphrase !== '');
    } catch (error) {
      if (error instanceof HandshakeRefused) return this.admission.reject(request, peer, error.reason, error.message);
      if (error instanceof ProtocolError) return;
      throw error;
    }
    this.admission.admit(request, peer, conclusion, wanted, this.local, passphrase).catch((error: unknown) => {
      this.ctx.logger.error({ err: error instanceof Error ? error.message : String(error) }, 'srt admission failed');
    });
  }

  private opened(session: SrtSession): void {
    this.sessions.set(session.connection.terms.socketId, session);
    if (!this.timer) this.schedule(ACK_TICK_MS);
  }

  private tick(): void {
    let pacing = false;
    for (const session of this.sessions.values()) {
      session.connection.tick();
      pacing ||= session.connection.sender.stats.packetsSent > 0; // a player
    }
    if (this.sessions.size === 0) this.schedule(0);
    else this.schedule(pacing ? PACING_TICK_MS : ACK_TICK_MS);
  }

  /** Services the connections every `ms` (0: not at all, no connection left). */
  private schedule(ms: number): void {
    if (ms === this.tickMs) return;
    clearInterval(this.timer);
    this.timer = ms > 0 ? setInterval(() => this.tick(), ms) : undefined;
    this.tickMs = ms;
  }

  private newSocketId(): number {
    let id: number;
    do id = randomInt(1, 0x40000000);
    while (this.sessions.has(id) || id === this.listenerId);
    return id;
  }

  private send(datagram: Buffer, peer: UdpPeer): void {
    this.socket?.send(datagram, peer);
  }
}

/** The listen address, or for a wildcard the first external IPv4 address (SRS's public_internet_address). */
function publicAddress(host: string): string {
  if (host !== '0.0.0.0' && host !== '::') return host;
  const external = Object.values(networkInterfaces())
    .flat()
    .find((address) => address && !address.internal && address.family === 'IPv4');
  return external?.address ?? '127.0.0.1';
}
