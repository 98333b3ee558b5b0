import type { UdpPeer } from '../udp-socket.js';
import { ProtocolError } from '../../util/errors.js';
import { decodeAck, decodeDropRequest, decodeNak, encodeKeepalive, encodeShutdown } from '../../protocols/srt/control.js';
import { WrongSecret, type SrtKeys } from '../../protocols/srt/crypto.js';
import { ExtensionType } from '../../protocols/srt/extensions.js';
import { KmState, decodeKm, encodeKmState } from '../../protocols/srt/km.js';
import { ControlType, HEADER_SIZE, encodeControl } from '../../protocols/srt/packet.js';
import { SrtReceiver } from '../../protocols/srt/receiver.js';
import { SrtSender } from '../../protocols/srt/sender.js';

const KEEPALIVE_US = 1_000_000;

/** What the handshake settled for one connection. */
export interface ConnectionTerms {
  socketId: number;
  peerId: number;
  peer: UdpPeer;
  initialSeq: number;
  /** The peer's receive latency (we send), and ours (we receive), in ms. */
  sendLatencyMs: number;
  receiveLatencyMs: number;
  tooLateDrop: boolean;
  maxBandwidth: number;
  flowWindow: number;
  idleTimeoutMs: number;
  /** The stream keys, when the connection is encrypted. */
  keys: SrtKeys | undefined;
}

const NOTHING = Buffer.alloc(0);

/**
 * One accepted SRT connection's transport: feeds data to the receiver, ACK/NAK to the sender,
 * answers keepalives, sends its own when idle, and ends on shutdown or peer silence. Knows
 * nothing of streams: bytes go out through `send`, and in through `onPayload`.
 */
export class SrtConnection {
  readonly sender: SrtSender;
  readonly receiver: SrtReceiver;
  private readonly startedAt: number;
  private lastHeardUs = 0;
  private lastSentUs = 0;
  private closed = false;
  bytesSent = 0;
  bytesReceived = 0;
  /** Packets no key of ours decrypts (libsrt's pktRcvUndecrypt): delivered as nothing. */
  private undecrypted = 0;
  /** Key refreshes taken from the peer. */
  private refreshes = 0;

  constructor(
    readonly terms: ConnectionTerms,
    private readonly transmit: (datagram: Buffer) => void,
    onPayload: (payload: Buffer) => void,
    private readonly onEnd: (reason: string) => void,
    /** Something the peer sent was dropped (told once per kind; the end line counts them all). */
    private readonly onDropped: (what: string) => void = () => {},
    /** Milliseconds, as performance.now() (a benchmark replays packets on a clock of its own). */
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.startedAt = clock();
    const output = (datagram: Buffer): void => this.write(datagram);
    this.sender = new SrtSender(
      {
        initialSeq: terms.initialSeq,
        peerId: terms.peerId,
        latencyMs: terms.sendLatencyMs,
        tooLateDrop: terms.tooLateDrop,
        maxBandwidth: terms.maxBandwidth,
        maxUnacked: terms.flowWindow,
        ...(terms.keys && { cipher: terms.keys }),
      },
      output,
    );
    this.receiver = new SrtReceiver(
      {
        initialSeq: terms.initialSeq,
        peerId: terms.peerId,
        latencyMs: terms.receiveLatencyMs,
        tooLateDrop: terms.tooLateDrop,
        bufferPackets: terms.flowWindow,
      },
      output,
      (payload) => {
        if (payload.length > 0) onPayload(payload);
      },
    );
  }

  /** µs since the connection started: the clock of every timestamp we send. */
  now(): number {
    return Math.round((this.clock() - this.startedAt) * 1000);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Queues bytes for the peer (a player's TS). */
  send(bytes: Buffer): void {
    if (this.closed) return;
    this.sender.send(bytes, this.now());
    this.sender.pump(this.now());
  }

  /**
   * A datagram from the peer's address to our socket id, at least a header long. Data packets,
   * nearly all of the traffic, are read in place: no packet object, only the payload's view.
   * Malformed control bodies throw ProtocolError.
   */
  receive(datagram: Buffer): void {
    if (this.closed) return;
    const now = this.now();
    this.lastHeardUs = now;
    this.bytesReceived += datagram.length;
    const first = datagram.readUInt32BE(0);
    if ((first & 0x80000000) === 0) {
      const flags = datagram.readUInt32BE(4);
      const payload = this.decrypt((flags >>> 27) & 0x3, first, datagram.subarray(HEADER_SIZE));
      if (!this.receiver.onData(first, datagram.readUInt32BE(8), (flags & 0x04000000) !== 0, payload, now) && this.receiver.stats.packetsOutOfWindow === 1) {
        this.onDropped(`data packet numbered ${first}, outside the receive window`);
      }
      return;
    }
    const info = datagram.readUInt32BE(4);
    switch ((first >>> 16) & 0x7fff) {
      case ControlType.Ack:
        return this.sender.onAck(info, decodeAck(datagram.subarray(HEADER_SIZE)), now);
      case ControlType.Nak:
        return this.sender.onNak(decodeNak(datagram.subarray(HEADER_SIZE)), now);
      case ControlType.AckAck:
        return this.receiver.onAckAck(info, now);
      case ControlType.DropReq:
        return this.receiver.onDropRequest(decodeDropRequest(datagram.subarray(HEADER_SIZE)));
      case ControlType.Shutdown:
        return this.close('peer shut down', false);
      case ControlType.Handshake:
        return; // a repeated conclusion is answered by the listener
      case ControlType.UserDefined:
        if ((first & 0xffff) === ExtensionType.KmReq) this.refreshKeys(datagram.subarray(HEADER_SIZE));
        return;
      default:
        return; // keepalive (its arrival is what counts), congestion warnings, user messages
    }
  }

  /**
   * The payload in clear. One no key of ours opens still takes its place in the sequence (so it
   * is ACKed, not NAKed forever), as an empty payload.
   */
  private decrypt(keyFlag: number, seq: number, payload: Buffer): Buffer {
    const { keys } = this.terms;
    if (!keys && keyFlag === 0) return payload;
    const clear = keys?.decrypt(keyFlag, seq, payload);
    if (clear) return clear;
    this.undecrypted++;
    return NOTHING;
  }

  /**
   * The peer rotates its keys (KMREQ in a user-defined control packet): take them, and answer
   * with the KM echoed (KMRSP), as libsrt does; another passphrase is answered and ends the connection.
   */
  private refreshKeys(body: Buffer): void {
    const { keys } = this.terms;
    const answer = (content: Buffer): void =>
      this.write(encodeControl({ type: ControlType.UserDefined, subtype: ExtensionType.KmRsp, info: 0, timestamp: this.now(), destinationId: this.terms.peerId, body: content }));
    if (!keys) return answer(encodeKmState(KmState.NoSecret));
    try {
      keys.refresh(decodeKm(body));
    } catch (error) {
      if (!(error instanceof WrongSecret)) throw error;
      answer(encodeKmState(KmState.BadSecret));
      throw new ProtocolError('key refresh under another passphrase', { cause: error });
    }
    this.refreshes++;
    answer(body);
  }

  /** Runs every few ms: pacing, ACK/NAK, TSBPD delivery, keepalive, idle check. */
  tick(): void {
    if (this.closed) return;
    const now = this.now();
    this.sender.pump(now);
    this.receiver.tick(now);
    if (now - this.lastSentUs >= KEEPALIVE_US) this.write(encodeKeepalive(now, this.terms.peerId));
    if (now - this.lastHeardUs > this.terms.idleTimeoutMs * 1000) {
      this.close(`peer silent for ${this.terms.idleTimeoutMs} ms`, false);
    }
  }

  /** Ends the connection, telling the peer unless it is the one that left. */
  close(reason: string, tellPeer = true): void {
    if (this.closed) return;
    if (tellPeer) this.write(encodeShutdown(this.now(), this.terms.peerId));
    this.closed = true;
    this.onEnd(reason);
  }

  /** Counters for the session's log lines. */
  get statistics(): Record<string, number> {
    const { sender, receiver } = this;
    return {
      rtt_ms: Math.round((sender.stats.rttUs || receiver.stats.rttUs) / 100) / 10,
      pkt_sent: sender.stats.packetsSent,
      pkt_retrans: sender.stats.packetsRetransmitted,
      pkt_snd_drop: sender.stats.packetsDropped,
      pkt_recv: receiver.stats.packetsReceived,
      pkt_loss: receiver.stats.packetsLost,
      pkt_recv_retrans: receiver.stats.packetsRetransmitted,
      pkt_rcv_drop: receiver.stats.packetsDropped,
      pkt_rcv_out_of_window: receiver.stats.packetsOutOfWindow,
      pkt_undecrypt: this.undecrypted,
      km_refresh: this.refreshes,
    };
  }

  private write(datagram: Buffer): void {
    if (this.closed) return;
    this.lastSentUs = this.now();
    this.bytesSent += datagram.length;
    this.transmit(datagram);
  }
}
