// A headless WHEP player: signalling, ICE (controlling, USE-CANDIDATE), DTLS client, SRTP, and the
// reception figures a browser's receiver keeps, answered with RTCP RR and NACK. Light enough that
// one process runs a hundred of them.
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import type { DtlsCertificate } from '../../src/protocols/webrtc/certificate.js';
import { DtlsClient } from '../../src/protocols/webrtc/dtls/index.js';
import { srtpSessions } from '../../src/protocols/webrtc/srtp/session.js';
import type { SrtpSession } from '../../src/protocols/webrtc/srtp/session.js';
import { classifyPacket } from '../../src/protocols/webrtc/stun/demux.js';
import { verifyIntegrity } from '../../src/protocols/webrtc/stun/binding.js';
import { STUN_BINDING, decodeStun, encodeStun } from '../../src/protocols/webrtc/stun/message.js';
import { buildNack, buildReceiverReport, compound } from '../../src/protocols/rtp/rtcp-build.js';
import type { Logger } from '../../src/util/logger.js';
import { readAnswer, recvonlyOffer, type AnswerFacts, type OfferIdentity } from './offer.js';
import { TrackStats } from './track-stats.js';

/** Binding requests: every 50 ms until answered, then every 2 s as consent (servers close silent sessions after 30 s). */
const CHECK_MS = 50;
const CONSENT_MS = 2000;
/** NACKs go out as losses are seen (checked every 100 ms); a receiver report once a second, as browsers do. */
const FEEDBACK_MS = 100;
const REPORT_EVERY = 10;
/** Most receivers one process may run: each is a socket, a DTLS session and two SRTP contexts. */
export const MAX_RECEIVERS = 500;
const RECEIVE_BUFFER = 4 * 1024 * 1024;

export type ReceiverState = 'signalling' | 'ice' | 'dtls' | 'media' | 'failed' | 'closed';

export interface ReceiverOptions {
  /** WHEP endpoint, e.g. http://127.0.0.1:1985/rtc/v1/whep/?app=live&stream=s */
  url: string;
  certificate: DtlsCertificate;
  log: Logger;
  /** Consent checks every 2 s once connected (default); false sends none after nomination, as if all were lost. */
  consentChecks?: boolean;
  /** Receiver reports and NACKs (default); false: silent once connected. */
  feedback?: boolean;
  /** The offer to send instead of the Opus + H.264 recvonly one (a sendonly offer makes a headless publisher). */
  offer?(id: OfferIdentity): string;
  /** Each RTP packet received, decrypted. */
  onRtp?(packet: Buffer): void;
}

export class WhepReceiver {
  state: ReceiverState = 'signalling';
  error: string | undefined;
  readonly tracks = new Map<number, TrackStats>();
  undecryptable = 0;
  /** The last SRTCP packet this receiver sent, kept so tests can replay it at the server. */
  lastRtcp: Buffer | undefined;
  /** Its ICE ufrag: the server names the session `<server ufrag>:<this>`. */
  readonly ufrag = randomBytes(4).toString('hex');
  private readonly pwd = randomBytes(16).toString('hex');
  private readonly ssrc = randomBytes(4).readUInt32BE(0);
  private socket: Socket | undefined;
  private answer: AnswerFacts | undefined;
  private dtls: DtlsClient | undefined;
  private inbound: SrtpSession | undefined;
  private outbound: SrtpSession | undefined;
  private timers: NodeJS.Timeout[] = [];
  private checkTimer: NodeJS.Timeout | undefined;
  private resource: string | undefined;
  private readonly pending = new Set<string>();
  private ticks = 0;

  constructor(private readonly options: ReceiverOptions) {}

  async start(): Promise<void> {
    try {
      // 4 MiB (Linux's default rmem_max): a receiver descheduled for a second loses nothing, so
      // losses counted are the server's, not this process's.
      const socket = createSocket({ type: 'udp4', recvBufferSize: RECEIVE_BUFFER });
      this.socket = socket;
      socket.on('error', (err) => this.fail(err));
      socket.bind(0, '127.0.0.1');
      await once(socket, 'listening');
      const identity = { ufrag: this.ufrag, pwd: this.pwd, fingerprint: this.options.certificate.fingerprint };
      const offer = this.options.offer ? this.options.offer(identity) : recvonlyOffer(identity);
      const res = await fetch(this.options.url, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: offer });
      const text = await res.text();
      if (res.status !== 201 && res.status !== 200) throw new Error(`WHEP answered ${res.status}: ${text.slice(0, 200)}`);
      const location = res.headers.get('location');
      if (location) this.resource = new URL(location, this.options.url).href;
      this.answer = readAnswer(text);
      if ((this.state as ReceiverState) === 'closed') return;
      this.state = 'ice';
      socket.on('message', (m) => this.onDatagram(m));
      this.checkTimer = setInterval(() => this.sendCheck(), CHECK_MS);
      this.sendCheck();
    } catch (err) {
      this.fail(err);
    }
  }

  /** Ends the session: close_notify, then DELETE on the WHEP resource. */
  async stop(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.dtls?.close();
    clearInterval(this.checkTimer);
    for (const t of this.timers) clearInterval(t);
    this.socket?.close();
    if (this.resource) await fetch(this.resource, { method: 'DELETE' }).then((r) => r.arrayBuffer()).catch(() => undefined);
  }

  resetWindow(): void {
    for (const t of this.tracks.values()) t.resetWindow();
  }

  private send(datagram: Buffer): void {
    const c = this.answer!.candidate;
    if (this.state !== 'closed') this.socket!.send(datagram, c.port, c.address);
  }

  private sendCheck(): void {
    const a = this.answer!;
    const transactionId = randomBytes(12);
    this.pending.add(transactionId.toString('hex'));
    if (this.pending.size > 64) this.pending.delete(this.pending.values().next().value!);
    this.send(encodeStun({
      method: STUN_BINDING,
      class: 'request',
      transactionId,
      username: `${a.ufrag}:${this.ufrag}`,
      priority: 0x6e7f1eff,
      iceControlling: 1n,
      useCandidate: true,
      integrityKey: a.pwd,
      fingerprint: true,
    }));
  }

  private onDatagram(m: Buffer): void {
    switch (classifyPacket(m)) {
      case 'stun':
        return this.onStun(m);
      case 'dtls':
        return this.dtls?.handle(m);
      case 'rtp':
        return this.onRtp(m);
      case 'rtcp':
        return; // sender reports: not needed for these figures
      default:
        return;
    }
  }

  private onStun(m: Buffer): void {
    let message;
    try {
      message = decodeStun(m);
    } catch {
      return;
    }
    if (message.class !== 'success' || !this.pending.delete(message.transactionId.toString('hex'))) return;
    if (!verifyIntegrity(message, this.answer!.pwd)) return this.fail(new Error('STUN response integrity does not check out'));
    if (this.state !== 'ice') return;
    // Nominated: checks slow to consent pace, DTLS starts (we are the active side).
    this.state = 'dtls';
    clearInterval(this.checkTimer);
    if (this.options.consentChecks !== false) this.checkTimer = setInterval(() => this.sendCheck(), CONSENT_MS);
    this.dtls = new DtlsClient({
      certificate: this.options.certificate,
      send: (d) => this.send(d),
      expectedFingerprint: this.answer!.fingerprint,
      onConnected: (keys) => {
        ({ inbound: this.inbound, outbound: this.outbound } = srtpSessions(keys));
        this.state = 'media';
        if (this.options.feedback !== false) this.timers.push(setInterval(() => this.sendFeedback(), FEEDBACK_MS));
      },
      onClose: (reason) => {
        if (this.state !== 'closed') this.fail(new Error(`DTLS closed: ${reason}`));
      },
      log: this.options.log,
    });
    this.dtls.start();
  }

  private onRtp(m: Buffer): void {
    if (!this.inbound) return;
    const arrival = performance.now();
    let plain: Buffer;
    try {
      plain = this.inbound.unprotectRtp(m);
    } catch {
      this.undecryptable++;
      return;
    }
    this.options.onRtp?.(plain);
    const ssrc = plain.readUInt32BE(8);
    let track = this.tracks.get(ssrc);
    if (!track) {
      track = new TrackStats(ssrc, this.answer!.clockRates.get(plain[1]! & 0x7f) ?? 90000);
      this.tracks.set(ssrc, track);
    }
    track.add(plain.readUInt16BE(2), plain.readUInt32BE(4), m.length, arrival);
  }

  private sendFeedback(): void {
    if (this.state !== 'media' || this.tracks.size === 0) return;
    const nacks: Buffer[] = [];
    for (const t of this.tracks.values()) {
      const lost = t.takeNacks();
      if (lost.length > 0) nacks.push(buildNack(this.ssrc, t.ssrc, lost));
    }
    if (++this.ticks % REPORT_EVERY !== 0 && nacks.length === 0) return;
    // A compound packet starts with a report (RFC 3550 §6.1).
    const report = buildReceiverReport(this.ssrc, [...this.tracks.values()].map((t) => t.reportBlock()));
    this.lastRtcp = this.outbound!.protectRtcp(compound(report, ...nacks));
    this.send(this.lastRtcp);
  }

  /** Protects and sends an RTP packet (a headless publisher's media); false before DTLS is up. */
  sendRtp(packet: Buffer): boolean {
    if (this.state !== 'media') return false;
    this.send(this.outbound!.protectRtp(packet));
    return true;
  }

  /** Sends `datagram` again from this receiver's address, as an attacker replaying a capture would. */
  replay(datagram: Buffer): void {
    this.send(datagram);
  }

  private fail(err: unknown): void {
    if (this.state === 'closed' || this.state === 'failed') return;
    this.error = err instanceof Error ? err.message : String(err);
    this.options.log.info({ err: this.error }, 'WHEP receiver failed');
    this.state = 'failed';
    clearInterval(this.checkTimer);
    for (const t of this.timers) clearInterval(t);
  }
}
