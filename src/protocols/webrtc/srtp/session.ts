import { ProtocolError } from '../../../util/errors.js';
import { deriveSessionKeys, type SessionKeys } from './kdf.js';
import type { SrtpKeyMaterial, SrtpProfile } from '../srtp-profile.js';
import { ReplayWindow } from './replay.js';
import { RolloverCounter } from './rollover.js';
import { SrtpTransform } from './transform.js';
import { Slab } from '../../../util/slab.js';

/** The master key and salt of one direction (16 bytes key; 14 bytes salt for AES-CM, 12 for GCM). */
export interface SrtpMasterKeys {
  key: Buffer;
  salt: Buffer;
}

/** An SRTP or SRTCP packet whose authentication tag does not match: dropped. */
export class SrtpAuthError extends ProtocolError {}
/** An SRTP or SRTCP packet already received (or too old for the replay window): dropped. */
export class SrtpReplayError extends ProtocolError {}

/** Per-SSRC state: rollover counter and replay windows, SRTCP index for what we send. */
interface SsrcState {
  ssrc: number;
  rollover: RolloverCounter;
  rtpReplay: ReplayWindow;
  rtcpReplay: ReplayWindow;
  rtcpIndex: number;
}

const MAX_SRTCP_INDEX = 0x7fffffff;
const REPLAY_WINDOW = 1024;

/**
 * One direction of SRTP/SRTCP (RFC 3711, RFC 7714): protect with the local keys, or unprotect with
 * the remote ones. Keeps rollover counters and a replay window per SSRC; session keys are derived
 * and keyed into the native cipher contexts once.
 */
export class SrtpSession {
  private readonly transform: SrtpTransform;
  private readonly ssrcs = new Map<number, SsrcState>();
  /** The state protect used last: a sender's packets come in runs of one SSRC. */
  private last: SsrcState | undefined;

  constructor(
    readonly profile: SrtpProfile,
    keys: SrtpMasterKeys | { sessionKeys: SessionKeys },
    /** Where protected packets are cut from (a server shares one among its sessions). */
    slab = new Slab(8 * 1024),
  ) {
    const sessionKeys = 'sessionKeys' in keys ? keys.sessionKeys : deriveSessionKeys(profile, keys.key, keys.salt);
    this.transform = new SrtpTransform(profile, sessionKeys, slab);
  }

  protectRtp(packet: Buffer): Buffer {
    const headerLength = rtpHeaderLength(packet);
    const ssrc = packet.readUInt32BE(8);
    const state = this.state(ssrc);
    const index = state.rollover.estimate(packet.readUInt16BE(2));
    state.rollover.update(index);
    return this.transform.protectRtp(packet, headerLength, index);
  }

  unprotectRtp(packet: Buffer): Buffer {
    const headerLength = rtpHeaderLength(packet);
    if (packet.length < headerLength + this.transform.rtpTrailer) throw new ProtocolError('SRTP packet shorter than its header and tag');
    const ssrc = packet.readUInt32BE(8);
    const state = this.ssrcs.get(ssrc) ?? this.newState(ssrc);
    const sequence = packet.readUInt16BE(2);
    const index = state.rollover.estimate(sequence);
    if (!state.rtpReplay.accepts(index)) throw new SrtpReplayError(`SRTP replay of SSRC ${ssrc} sequence ${sequence}`);
    const plain = this.transform.unprotectRtp(packet, headerLength, index);
    if (!plain) throw new SrtpAuthError(`SRTP authentication failed for SSRC ${ssrc} sequence ${sequence}`);
    state.rtpReplay.record(index);
    state.rollover.update(index);
    this.ssrcs.set(ssrc, state); // only authenticated packets add an SSRC
    return plain;
  }

  protectRtcp(packet: Buffer): Buffer {
    if (packet.length < 8) throw new ProtocolError(`RTCP packet of ${packet.length} bytes`);
    const ssrc = packet.readUInt32BE(4);
    const state = this.state(ssrc);
    state.rtcpIndex = state.rtcpIndex >= MAX_SRTCP_INDEX ? 0 : state.rtcpIndex + 1;
    return this.transform.protectRtcp(packet, ssrc, state.rtcpIndex);
  }

  unprotectRtcp(packet: Buffer): Buffer {
    if (packet.length < 8 + this.transform.rtcpTrailer) throw new ProtocolError(`SRTCP packet of ${packet.length} bytes`);
    const ssrc = packet.readUInt32BE(4);
    const word = packet.readUInt32BE(this.transform.rtcpIndexOffset(packet.length));
    const index = word & MAX_SRTCP_INDEX;
    const state = this.ssrcs.get(ssrc) ?? this.newState(ssrc);
    if (!state.rtcpReplay.accepts(index)) throw new SrtpReplayError(`SRTCP replay of SSRC ${ssrc} index ${index}`);
    const plain = this.transform.unprotectRtcp(packet, ssrc, index, (word & 0x80000000) !== 0);
    if (!plain) throw new SrtpAuthError(`SRTCP authentication failed for SSRC ${ssrc}`);
    state.rtcpReplay.record(index);
    this.ssrcs.set(ssrc, state);
    return plain;
  }

  private state(ssrc: number): SsrcState {
    if (this.last?.ssrc === ssrc) return this.last;
    let state = this.ssrcs.get(ssrc);
    if (!state) this.ssrcs.set(ssrc, (state = this.newState(ssrc)));
    return (this.last = state);
  }

  private newState(ssrc: number): SsrcState {
    return {
      ssrc,
      rollover: new RolloverCounter(),
      rtpReplay: new ReplayWindow(REPLAY_WINDOW),
      rtcpReplay: new ReplayWindow(REPLAY_WINDOW),
      rtcpIndex: 0,
    };
  }

  /** SSRCs with state: those we protected for, and those whose packets authenticated. */
  get ssrcCount(): number {
    return this.ssrcs.size;
  }
}

/** Length of the RTP header with CSRCs and header extension: what SRTP leaves in clear. */
export function rtpHeaderLength(packet: Buffer): number {
  if (packet.length < 12 || packet[0]! >> 6 !== 2) throw new ProtocolError('not an RTP packet');
  let length = 12 + (packet[0]! & 0x0f) * 4;
  if (packet[0]! & 0x10) {
    if (length + 4 > packet.length) throw new ProtocolError('RTP header extension overruns the packet');
    length += 4 + packet.readUInt16BE(length + 2) * 4;
  }
  if (length > packet.length) throw new ProtocolError('RTP header overruns the packet');
  return length;
}

/** Both directions for a DTLS-SRTP association: `outbound` protects (into `slab`), `inbound` unprotects. */
export function srtpSessions(keys: SrtpKeyMaterial, slab?: Slab): { inbound: SrtpSession; outbound: SrtpSession } {
  return {
    inbound: new SrtpSession(keys.profile, { key: keys.remoteKey, salt: keys.remoteSalt }),
    outbound: new SrtpSession(keys.profile, { key: keys.localKey, salt: keys.localSalt }, slab),
  };
}
