import type { UdpPeer } from '../udp-socket.js';
import { DEFAULT_VHOST } from '../../config/schema.js';
import type { Handshake } from '../../protocols/srt/handshake.js';
import { RejectReason } from '../../protocols/srt/reject.js';
import type { StreamIdRequest } from '../../protocols/srt/stream-id.js';
import type { Admission } from '../../gate/types.js';
import { AccessDenied } from '../../util/errors.js';
import type { ConnectionCounter, ServerContext } from '../context.js';
import { resolveVhost } from '../rtmp/stream-url.js';
import { SessionInfo, clientIp } from '../session-info.js';
import { SrtConnection } from './srt-connection.js';
import type { SrtKeys } from '../../protocols/srt/crypto.js';
import { HandshakeRefused, conclusionResponse, negotiate, rejection, unlock, type Conclusion, type ListenerTerms, type Secured } from './srt-handshake.js';
import type { TsIngestFactory } from './srt-ingest.js';
import { SrtSession } from './srt-session.js';
import type { SrtTsOutputs } from './srt-ts-output.js';

export interface AdmissionDeps {
  ctx: ServerContext;
  terms: ListenerTerms;
  ingest: TsIngestFactory;
  outputs: SrtTsOutputs;
  /** Callers between a valid conclusion and the gate's answer. */
  pending: ConnectionCounter;
  newSocketId(): number;
  send(datagram: Buffer, peer: UdpPeer): void;
  /** Bytes the listener's socket holds because the kernel would not take them yet (EAGAIN). */
  socketBacklog(): number;
  opened(session: SrtSession): void;
  closed(session: SrtSession): void;
}

/** The server's address as SRS reports it in an SRT session's tcUrl. */
export interface LocalAddress {
  host: string;
  port: number;
}

/** A caller whose conclusion is being decided (no answer yet) or was accepted (its answer, for repeats). */
interface Caller {
  answer?: Buffer;
}

/**
 * Turns a conclusion into a session: takes a connection slot, asks the gate (publish or play),
 * attaches to the hub, and only then answers the handshake; a refusal at any step is an SRT
 * rejection with libsrt's reason code (SRT_REJX_FORBIDDEN for the gate, as SRS's peers know).
 * Callers repeat their conclusion until answered; repeats are answered from the caller table.
 */
export class SrtAdmission {
  private readonly callers = new Map<string, Caller>();

  constructor(private readonly deps: AdmissionDeps) {}

  /** Callers admitted or waiting for the gate (each holds a connection slot). */
  get held(): number {
    return this.callers.size;
  }

  get terms(): ListenerTerms {
    return this.deps.terms;
  }

  /** True when the conclusion is a repeat, answered again (or still waiting for the gate). */
  repeat(request: Handshake, peer: UdpPeer): boolean {
    const caller = this.callers.get(callerKey(request, peer));
    if (!caller) return false;
    if (caller.answer) this.deps.send(caller.answer, peer);
    return true;
  }

  reject(request: Handshake, peer: UdpPeer, reason: number, why: string): void {
    this.deps.ctx.logger.info({ ip: clientIp(peer.address), reason: why, code: reason }, 'srt handshake rejected');
    this.deps.send(rejection(request, peer, reason), peer);
  }

  /** `passphrase` unwraps the caller's key material (a conclusion carries some only when both sides encrypt). */
  async admit(request: Handshake, peer: UdpPeer, conclusion: Conclusion, wanted: StreamIdRequest, local: LocalAddress, passphrase: string): Promise<void> {
    const { ctx } = this.deps;
    const slot = ctx.connections.acquire();
    if (!slot) return this.reject(request, peer, RejectReason.Overload, `server full: max_connections ${ctx.config.current().max_connections}`);
    const pending = this.deps.pending.acquire();
    if (!pending) {
      slot.release();
      return this.reject(request, peer, RejectReason.Overload, 'server busy: too many clients waiting for the gate');
    }
    const key = callerKey(request, peer);
    const caller: Caller = {};
    this.callers.set(key, caller);
    // The key is checked before the gate: a wrong passphrase costs no hook call.
    const secured = await this.unlock(conclusion, passphrase);
    if (secured instanceof HandshakeRefused) {
      pending.release();
      this.callers.delete(key);
      slot.release();
      return this.reject(request, peer, secured.reason, `${secured.message} (stream id "${conclusion.streamId}")`);
    }
    let connection: SrtConnection | undefined;
    const info = this.sessionInfo(peer, conclusion.streamId, wanted, local, () => connection);
    const admitted = await this.ask(info, wanted.mode).finally(() => pending.release());
    if (!isAdmission(admitted)) {
      this.callers.delete(key);
      slot.release();
      if (admitted instanceof AccessDenied) {
        ctx.logger.warn({ client: info.id, ip: info.ip, stream: info.path, action: wanted.mode, reason: admitted.reason }, `srt ${wanted.mode} refused`);
        return this.reject(request, peer, RejectReason.Forbidden, admitted.reason);
      }
      return this.reject(request, peer, RejectReason.InternalError, 'the gate failed');
    }
    connection = this.connect(request, peer, conclusion, secured?.keys, () => this.callers.delete(key), {
      end: (reason) => session.end(reason),
      payload: (payload) => session.payload(payload),
      dropped: (what) => session.dropped(what),
    });
    const session = new SrtSession(ctx, info, connection, slot, (ended) => this.deps.closed(ended));
    if (wanted.mode === 'publish' && !session.publish(this.deps.ingest, admitted.relayTo)) {
      ctx.gate.unpublished(info);
      ctx.gate.closed(info);
      this.callers.delete(key);
      slot.release();
      return this.reject(request, peer, RejectReason.Conflict, `stream ${info.path} is already publishing`);
    }
    caller.answer = conclusionResponse(request, peer, connection.terms.socketId, this.deps.terms, secured);
    this.deps.opened(session);
    this.deps.send(caller.answer, peer);
    if (wanted.mode === 'play') session.play(this.deps.outputs, () => this.deps.socketBacklog(), admitted.pullFrom);
  }

  /** The caller's keys, none for a clear connection, or the refusal of its key material. */
  private async unlock(conclusion: Conclusion, passphrase: string): Promise<Secured | HandshakeRefused | undefined> {
    if (!conclusion.km) return undefined;
    try {
      return await unlock(conclusion.km, passphrase);
    } catch (error) {
      if (error instanceof HandshakeRefused) return error;
      throw error;
    }
  }

  /** The gate's answer: the admission, the refusal, or another failure (logged here). */
  private async ask(info: SessionInfo, mode: StreamIdRequest['mode']): Promise<Admission | AccessDenied | Error> {
    try {
      const admission = await (mode === 'publish' ? this.deps.ctx.gate.publish(info) : this.deps.ctx.gate.play(info));
      if (admission.stream) info.stream = admission.stream;
      return admission;
    } catch (error) {
      if (error instanceof AccessDenied) return error;
      this.deps.ctx.logger.error({ client: info.id, err: error instanceof Error ? error.message : String(error) }, 'srt gate failed');
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  private connect(
    request: Handshake,
    peer: UdpPeer,
    conclusion: Conclusion,
    keys: SrtKeys | undefined,
    forget: () => void,
    events: { end(reason: string): void; payload(chunk: Buffer): void; dropped(what: string): void },
  ): SrtConnection {
    const latency = negotiate(conclusion.caps, this.deps.terms);
    const { terms } = this.deps;
    return new SrtConnection(
      {
        socketId: this.deps.newSocketId(),
        peerId: request.socketId,
        peer,
        initialSeq: request.initialSeq,
        ...latency,
        tooLateDrop: terms.tooLateDrop,
        maxBandwidth: terms.maxBandwidth,
        flowWindow: Math.min(terms.flowWindow, request.flowWindow || terms.flowWindow),
        idleTimeoutMs: terms.idleTimeoutMs,
        keys,
      },
      (datagram) => this.deps.send(datagram, peer),
      events.payload,
      (reason) => {
        forget();
        events.end(reason);
      },
      events.dropped,
    );
  }

  private sessionInfo(
    peer: UdpPeer,
    streamId: string,
    wanted: StreamIdRequest,
    local: LocalAddress,
    connection: () => SrtConnection | undefined,
  ): SessionInfo {
    const vhost = resolveVhost(this.deps.ctx.config.current(), [wanted.vhost]);
    // SRS: srt://{vhost, or the server's address for the default vhost}/{app}
    const host = vhost === DEFAULT_VHOST ? local.host : vhost;
    return new SessionInfo(
      {
        id: this.deps.ctx.sessions.newId(),
        protocol: 'srt',
        ip: clientIp(peer.address),
        vhost,
        app: wanted.app,
        stream: wanted.stream,
        param: wanted.param,
        tcUrl: `srt://${host}/${wanted.app}`,
        requestUrl: `srt://${local.host}:${local.port}?streamid=${streamId}`,
      },
      {
        bytesSent: () => connection()?.bytesSent ?? 0,
        bytesReceived: () => connection()?.bytesReceived ?? 0,
        terminate: (reason) => connection()?.close(reason),
      },
    );
  }
}

function callerKey(request: Handshake, peer: UdpPeer): string {
  return `${peer.address}|${peer.port}|${request.socketId}`;
}

function isAdmission(answer: Admission | Error): answer is Admission {
  return !(answer instanceof Error);
}
