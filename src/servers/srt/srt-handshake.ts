import { ProtocolError, SluiceError } from '../../util/errors.js';
import { SrtKeys, WrongSecret } from '../../protocols/srt/crypto.js';
import { decodeKm } from '../../protocols/srt/km.js';
import type { UdpPeer } from '../udp-socket.js';
import {
  ExtensionType,
  SRT_VERSION,
  SrtFlag,
  decodeCapabilities,
  decodeStreamId,
  encodeCapabilities,
  type SrtCapabilities,
} from '../../protocols/srt/extensions.js';
import {
  ExtFlag,
  HandshakeType,
  REJECTION_BASE,
  SRT_MAGIC,
  encodeHandshake,
  peerIpField,
  type Handshake,
} from '../../protocols/srt/handshake.js';
import { ControlType, encodeControl } from '../../protocols/srt/packet.js';
import { RejectReason } from '../../protocols/srt/reject.js';

/** Our side of the negotiation. */
export interface ListenerTerms {
  mtu: number;
  flowWindow: number;
  /** Latency we keep as a receiver, and ask of a receiving peer, in ms. */
  receiveLatencyMs: number;
  peerLatencyMs: number;
  tooLateDrop: boolean;
  tsbpd: boolean;
  /** Output rate cap per connection, bytes/s. */
  maxBandwidth: number;
  idleTimeoutMs: number;
}

/** A conclusion worth answering: what the caller asked for. */
export interface Conclusion {
  streamId: string;
  caps: SrtCapabilities;
  /** The caller's key material (KMREQ), present when both sides encrypt. */
  km?: Buffer;
}

/** The keys a conclusion's KMREQ unwrapped to, and the KMREQ our KMRSP echoes. */
export interface Secured {
  keys: SrtKeys;
  km: Buffer;
}

/** A refusal decided before anyone is asked: the reject reason and why. */
export class HandshakeRefused extends SluiceError {
  constructor(
    readonly reason: number,
    message: string,
  ) {
    super(message);
  }
}

function handshakePacket(hs: Handshake, destinationId: number): Buffer {
  return encodeControl({ type: ControlType.Handshake, subtype: 0, info: 0, timestamp: 0, destinationId, body: encodeHandshake(hs) });
}

/** The answer to an induction: HSv5, SRT's magic, and the cookie the conclusion must echo. */
export function inductionResponse(request: Handshake, peer: UdpPeer, cookie: number, listenerId: number, terms: ListenerTerms, pbkeylen: number): Buffer {
  return handshakePacket(
    {
      version: 5,
      // Advertises our key length (libsrt: a caller that set none takes it).
      encryption: pbkeylen / 8,
      extension: SRT_MAGIC,
      initialSeq: request.initialSeq,
      mtu: Math.min(request.mtu, terms.mtu),
      flowWindow: terms.flowWindow,
      type: HandshakeType.Induction,
      socketId: listenerId,
      cookie,
      peerIp: peerIpField(peer.address),
      extensions: [],
    },
    request.socketId,
  );
}

/** Reads an HSv5 conclusion; throws HandshakeRefused for what libsrt would reject, ProtocolError for garbage. */
export function readConclusion(request: Handshake): Conclusion {
  if (request.version !== 5) throw new HandshakeRefused(RejectReason.Version, `handshake version ${request.version}, not 5`);
  const hsreq = request.extensions.find((ext) => ext.type === ExtensionType.HsReq);
  if (!hsreq) throw new HandshakeRefused(RejectReason.Rogue, 'conclusion without HSREQ');
  const km = request.extensions.find((ext) => ext.type === ExtensionType.KmReq)?.content;
  const caps = decodeCapabilities(hsreq.content);
  if (caps.version < 0x010300) throw new HandshakeRefused(RejectReason.Version, `SRT version ${caps.version.toString(16)} before 1.3`);
  if (caps.flags & SrtFlag.Stream) throw new HandshakeRefused(RejectReason.MessageApi, 'file (stream) mode is not served, only live');
  const sid = request.extensions.find((ext) => ext.type === ExtensionType.Sid);
  return { streamId: sid ? decodeStreamId(sid.content) : '', caps, ...(km && { km }) };
}

/**
 * Encryption on one side only is SRT_REJ_UNSECURE, as libsrt's enforced encryption; `encrypting`
 * is whether the stream the caller asked for has a passphrase.
 */
export function checkEncryption(conclusion: Conclusion, encrypting: boolean): void {
  if (conclusion.km && !encrypting) throw new HandshakeRefused(RejectReason.Unsecure, 'the caller encrypts and no passphrase is set');
  if (!conclusion.km && encrypting) throw new HandshakeRefused(RejectReason.Unsecure, 'the caller does not encrypt and a passphrase is set');
}

/** Unwraps the caller's KMREQ with our passphrase: SRT_REJ_BADSECRET when it does not match. */
export async function unlock(km: Buffer, passphrase: string): Promise<Secured> {
  try {
    return { keys: await SrtKeys.open(decodeKm(km), passphrase), km };
  } catch (error) {
    if (error instanceof WrongSecret) throw new HandshakeRefused(RejectReason.BadSecret, 'the caller\'s passphrase is not ours');
    if (error instanceof ProtocolError) throw new HandshakeRefused(RejectReason.Crypto, error.message);
    throw error;
  }
}

/** What both sides will use: each direction's latency is the larger of what the two sides want. */
export function negotiate(caps: SrtCapabilities, terms: ListenerTerms): { receiveLatencyMs: number; sendLatencyMs: number } {
  return {
    receiveLatencyMs: Math.max(terms.receiveLatencyMs, caps.senderLatency),
    sendLatencyMs: Math.max(terms.peerLatencyMs, caps.receiverLatency),
  };
}

/** The accepting conclusion, with our HSRSP. */
export function conclusionResponse(request: Handshake, peer: UdpPeer, socketId: number, terms: ListenerTerms, secured?: Secured): Buffer {
  const caps = decodeCapabilities(request.extensions.find((ext) => ext.type === ExtensionType.HsReq)?.content ?? Buffer.alloc(0));
  const latency = negotiate(caps, terms);
  const flags =
    (terms.tsbpd ? SrtFlag.TsbpdSnd | SrtFlag.TsbpdRcv : 0) |
    (terms.tooLateDrop ? SrtFlag.TlPktDrop : 0) |
    SrtFlag.NakReport |
    SrtFlag.RexmitFlg |
    SrtFlag.HaiCrypt; // can encrypt (libsrt sets it whether or not this connection does)
  return handshakePacket(
    {
      version: 5,
      encryption: secured ? secured.keys.keyLength / 8 : 0,
      extension: secured ? ExtFlag.HsReq | ExtFlag.KmReq : ExtFlag.HsReq,
      initialSeq: request.initialSeq,
      mtu: Math.min(request.mtu, terms.mtu),
      flowWindow: terms.flowWindow,
      type: HandshakeType.Conclusion,
      socketId,
      cookie: request.cookie,
      peerIp: peerIpField(peer.address),
      extensions: [
        encodeCapabilities(ExtensionType.HsRsp, {
          version: SRT_VERSION,
          flags,
          receiverLatency: latency.receiveLatencyMs,
          senderLatency: latency.sendLatencyMs,
        }),
        // KMRSP: the KMREQ echoed says its key is taken.
        ...(secured ? [{ type: ExtensionType.KmRsp, content: secured.km }] : []),
      ],
    },
    request.socketId,
  );
}

/** A rejection: the conclusion echoed with the reason in its type field. */
export function rejection(request: Handshake, peer: UdpPeer, reason: number): Buffer {
  return handshakePacket(
    { ...request, extensions: [], type: REJECTION_BASE + reason, peerIp: peerIpField(peer.address) },
    request.socketId,
  );
}
