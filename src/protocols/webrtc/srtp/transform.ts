import { loadNative } from '../../../util/native-addon.js';
import type { Slab } from '../../../util/slab.js';
import type { SessionKeys } from './kdf.js';
import type { SrtpProfile } from '../srtp-profile.js';

/** A context of native/srtp: one direction's session keys, keyed into OpenSSL once. */
type NativeContext = object;

/** native/srtp/srtp.c. `roc` is the SRTP rollover counter, `index` the 31-bit SRTCP index. */
interface SrtpAddon {
  create(gcm: boolean, rtpKey: Buffer, rtpSalt: Buffer, rtpAuth: Buffer, rtcpKey: Buffer, rtcpSalt: Buffer, rtcpAuth: Buffer): NativeContext;
  protectRtp(context: NativeContext, packet: Buffer, headerLength: number, roc: number, out: Buffer): void;
  unprotectRtp(context: NativeContext, packet: Buffer, headerLength: number, roc: number, out: Buffer): boolean;
  protectRtcp(context: NativeContext, packet: Buffer, ssrc: number, index: number, out: Buffer): void;
  unprotectRtcp(context: NativeContext, packet: Buffer, ssrc: number, index: number, out: Buffer, encrypted: boolean): boolean;
}

/** Loads native/srtp: a WebRTC server calls it at start, so an addon not built fails there, not at a viewer's first packet. */
export function loadSrtpAddon(): SrtpAddon {
  return loadNative<SrtpAddon>('srtp');
}

const CM_TAG = 10;
const GCM_TAG = 16;

/**
 * The per-packet cryptography of one profile (native: OpenSSL's cipher contexts are keyed once
 * and only the IV changes per packet), with state kept by the caller: `index` is the 48-bit SRTP
 * packet index (ROC * 65536 + SEQ) or the 31-bit SRTCP index. Each call returns a new buffer,
 * protect's cut from `slab` (sent and dropped), unprotect's its own (depacketized and kept);
 * unprotect returns undefined when authentication fails.
 */
export class SrtpTransform {
  /** Bytes an SRTP packet carries after the payload. */
  readonly rtpTrailer: number;
  /** Bytes an SRTCP packet carries after the RTCP (tag and E+index). */
  readonly rtcpTrailer: number;
  private readonly gcm: boolean;
  private readonly addon = loadSrtpAddon();
  private readonly context: NativeContext;

  constructor(
    profile: SrtpProfile,
    keys: SessionKeys,
    private readonly slab: Slab,
  ) {
    this.gcm = profile === 'AEAD_AES_128_GCM';
    this.rtpTrailer = this.gcm ? GCM_TAG : CM_TAG;
    this.rtcpTrailer = this.rtpTrailer + 4;
    this.context = this.addon.create(this.gcm, keys.rtpKey, keys.rtpSalt, keys.rtpAuth, keys.rtcpKey, keys.rtcpSalt, keys.rtcpAuth);
  }

  protectRtp(packet: Buffer, headerLength: number, index: number): Buffer {
    const out = this.slab.take(packet.length + this.rtpTrailer);
    this.addon.protectRtp(this.context, packet, headerLength, Math.floor(index / 0x10000), out);
    return out;
  }

  unprotectRtp(packet: Buffer, headerLength: number, index: number): Buffer | undefined {
    const out = Buffer.allocUnsafe(packet.length - this.rtpTrailer);
    return this.addon.unprotectRtp(this.context, packet, headerLength, Math.floor(index / 0x10000), out) ? out : undefined;
  }

  protectRtcp(packet: Buffer, ssrc: number, index: number): Buffer {
    const out = this.slab.take(packet.length + this.rtcpTrailer);
    this.addon.protectRtcp(this.context, packet, ssrc, index, out);
    return out;
  }

  /** Where the E flag and SRTCP index sit in a protected RTCP packet of this length. */
  rtcpIndexOffset(length: number): number {
    return this.gcm ? length - 4 : length - CM_TAG - 4;
  }

  unprotectRtcp(packet: Buffer, ssrc: number, index: number, encrypted: boolean): Buffer | undefined {
    const out = Buffer.allocUnsafe(packet.length - this.rtcpTrailer);
    return this.addon.unprotectRtcp(this.context, packet, ssrc, index, out, encrypted) ? out : undefined;
  }
}
