import { classifyPacket } from '../../protocols/webrtc/stun/demux.js';
import { bindingSuccess, type BindingRequest } from '../../protocols/webrtc/stun/binding.js';
import { DtlsServer } from '../../protocols/webrtc/dtls/index.js';
import type { DtlsCertificate } from '../../protocols/webrtc/certificate.js';
import type { SrtpKeyMaterial } from '../../protocols/webrtc/srtp-profile.js';
import { srtpSessions, SrtpReplayError, type SrtpSession } from '../../protocols/webrtc/srtp/session.js';
import type { Fingerprint } from '../../protocols/webrtc/sdp/types.js';
import { ProtocolError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import type { Slab } from '../../util/slab.js';
import type { TcpLink } from './rtc-tcp.js';
import type { PacedSender } from './send-pacer.js';

/** A peer's address: on the UDP port, or over an ICE-TCP connection (`link`). */
export interface PeerAddress {
  address: string;
  port: number;
  link?: TcpLink;
}

export interface TransportOptions {
  localUfrag: string;
  localPwd: string;
  remoteUfrag: string;
  certificate: DtlsCertificate;
  remoteFingerprint: Fingerprint;
  /** Writes one datagram on the shared socket; `sent` once the socket has sent it (or failed to). */
  send(datagram: Buffer, to: PeerAddress, sent: (bytes: number) => void): void;
  /** Runs media sends a slice at a time, between reads of the socket (SendPacer): calls `flush` in turn. */
  pacer: { add(sender: PacedSender, packet: Buffer, rtcp: boolean): void };
  /** Where protected packets are cut from, shared by the server's sessions (they live until sent). */
  slab: Slab;
  log: Logger;
  /** DTLS is done and SRTP keyed: media may flow. */
  onConnected(): void;
  onRtp(packet: Buffer): void;
  onRtcp(packet: Buffer): void;
  /** The DTLS association ended (peer's close_notify, fatal alert). */
  onClose(reason: string): void;
}

/** Counters of what the transport dropped, for the session's log line. */
export interface TransportDrops {
  srtpAuth: number;
  srtpReplay: number;
  unknown: number;
}

/**
 * One peer's ICE-lite, DTLS and SRTP on the server's shared UDP port. ICE: binding requests
 * (already checked for the session's credentials by the server) are answered, and the address of
 * the latest one that nominated (or the first) becomes where media goes. DTLS: the server role,
 * keyed by the answer's fingerprint. SRTP: the DTLS exporter's keys, one session each way.
 */
export class RtcTransport implements PacedSender {
  peer: PeerAddress | undefined;
  /**
   * When the peer last showed it is there and still wants the session, ms since the epoch: a
   * binding request, or an SRTP/SRTCP packet that authenticated (and was no replay) from the
   * address media goes to. RFC 7675's consent is what a *sender* must hold to keep sending; an
   * ICE-lite server sends no checks and only learns that its peer is alive. A packet that passed
   * SRTP's HMAC (keys from the DTLS handshake bound to the offer's fingerprint) proves that as
   * well as a check keyed by the ICE password does, and a busy server whose full receive buffer
   * dropped the checks of a viewer still sending receiver reports must not cut that viewer off.
   */
  consentAt = Date.now();
  bytesSent = 0;
  bytesReceived = 0;
  /**
   * Media bytes not sent yet: waiting for their turn in the pacer, or in the socket's queue while
   * the kernel's send buffer is full. Where a player's send path backs up, so its reader can skip
   * to the next keyframe and drop a player that stays stuck, as every other player is.
   */
  pendingBytes = 0;
  readonly drops: TransportDrops = { srtpAuth: 0, srtpReplay: 0, unknown: 0 };
  private readonly dtls: DtlsServer;
  private srtp: { inbound: SrtpSession; outbound: SrtpSession } | undefined;
  private closed = false;

  constructor(private readonly options: TransportOptions) {
    this.dtls = new DtlsServer({
      certificate: options.certificate,
      expectedFingerprint: options.remoteFingerprint,
      send: (datagram) => this.write(datagram),
      onConnected: (keys) => this.connected(keys),
      onClose: (reason) => {
        if (!this.closed) options.onClose(`dtls: ${reason}`);
      },
      log: options.log,
    });
  }

  /** A binding request with this session's credentials, from `from`. */
  stun(request: BindingRequest, from: PeerAddress): void {
    this.bytesReceived += request.message.raw.length;
    this.consentAt = Date.now();
    // The peer object itself: a socket's peer carries the sockaddr every send to it reuses.
    if (!this.peer || request.useCandidate) this.peer = from;
    const family = from.address.includes(':') ? 'IPv6' : 'IPv4';
    this.write(bindingSuccess(request.transactionId, { family, address: from.address, port: from.port }, this.options.localPwd), from);
  }

  /** Anything but STUN from one of the peer's addresses (`from`); `datagram` may be a view of a socket's read pool. */
  receive(datagram: Buffer, from: PeerAddress): void {
    if (this.closed) return;
    this.bytesReceived += datagram.length;
    const kind = classifyPacket(datagram);
    // A copy for DTLS, which may keep a record: the datagram is a view of the socket's read pool.
    if (kind === 'dtls') return this.dtls.handle(Buffer.from(datagram));
    if ((kind !== 'rtp' && kind !== 'rtcp') || !this.srtp) {
      this.drops.unknown++;
      return;
    }
    let plain: Buffer;
    try {
      plain = kind === 'rtp' ? this.srtp.inbound.unprotectRtp(datagram) : this.srtp.inbound.unprotectRtcp(datagram);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      if (error instanceof SrtpReplayError) this.drops.srtpReplay++;
      else this.drops.srtpAuth++;
      return;
    }
    if (this.peer && from.address === this.peer.address && from.port === this.peer.port && from.link === this.peer.link) this.consentAt = Date.now();
    if (kind === 'rtp') this.options.onRtp(plain);
    else this.options.onRtcp(plain);
  }

  sendRtp(packet: Buffer): void {
    this.paced(packet, false);
  }

  sendRtcp(packet: Buffer): void {
    this.paced(packet, true);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.dtls.close();
  }

  private connected(keys: SrtpKeyMaterial): void {
    this.srtp = srtpSessions(keys, this.options.slab);
    this.options.onConnected();
  }

  private paced(packet: Buffer, rtcp: boolean): void {
    if (!this.srtp || this.closed) return;
    this.pendingBytes += packet.length;
    this.options.pacer.add(this, packet, rtcp);
  }

  /** A packet's turn in the pacer: protected now (SRTP's order is the queue's), then written. */
  flush(packet: Buffer, rtcp: boolean): void {
    this.pendingBytes -= packet.length;
    if (!this.srtp || this.closed) return;
    this.write(rtcp ? this.srtp.outbound.protectRtcp(packet) : this.srtp.outbound.protectRtp(packet));
  }

  private readonly sent = (bytes: number): void => {
    this.pendingBytes -= bytes;
  };

  private write(datagram: Buffer, to = this.peer): void {
    if (!to) return;
    this.bytesSent += datagram.length;
    this.pendingBytes += datagram.length;
    this.options.send(datagram, to, this.sent);
  }
}
