import type { Stream } from '../../hub/stream.js';
import type { RtcUpstream } from '../../servers/webrtc/rtc-sources.js';
import type { AudioPacket } from '../../transcode/types.js';
import { Listeners } from '../../util/listeners.js';
import type { Logger } from '../../util/logger.js';

/** The link a relayed stream arrives on, as the receiving worker asks things back over it. */
export interface RelaySupplier {
  wantOpus(on: boolean): void;
  requestKeyframe(): void;
}

/**
 * What a worker's WebRTC players ask of the workers that relay streams to it: each relayed
 * stream's Opus, asked for while a player here wants it, and keyframes. A stream is supplied by
 * the link its current publisher's worker relays it on (RelayIn tells which), and a republish on
 * another worker moves the asking to that worker's link.
 */
export class RelayUpstream implements RtcUpstream {
  private readonly suppliers = new Map<string, RelaySupplier>();
  private readonly wanted = new Map<string, Listeners<AudioPacket>>();

  constructor(private readonly log: Logger) {}

  /** A relayed stream's publisher came: `supplier` relays it now. */
  attached(key: string, supplier: RelaySupplier): void {
    this.suppliers.set(key, supplier);
    if (this.wanted.has(key)) supplier.wantOpus(true);
  }

  /** It went (unpublished there, or the link closed). */
  detached(key: string, supplier: RelaySupplier): void {
    if (this.suppliers.get(key) !== supplier) return;
    this.suppliers.delete(key);
    if (this.wanted.has(key)) supplier.wantOpus(false);
  }

  /** An Opus packet of the stream, on the stream's clock here. */
  deliver(key: string, supplier: RelaySupplier, packet: AudioPacket): void {
    if (this.suppliers.get(key) === supplier) this.wanted.get(key)?.emit(packet);
  }

  opus(stream: Stream, listener: (packet: AudioPacket) => void): () => void {
    const key = stream.key;
    let wanted = this.wanted.get(key);
    if (!wanted) {
      wanted = new Listeners((error) => this.log.warn({ err: error }, 'relayed opus listener failed'));
      this.wanted.set(key, wanted);
      this.suppliers.get(key)?.wantOpus(true);
    }
    const remove = wanted.add(listener);
    const owner = wanted;
    return () => {
      remove();
      if (owner.size > 0 || this.wanted.get(key) !== owner) return;
      this.wanted.delete(key);
      this.suppliers.get(key)?.wantOpus(false);
    };
  }

  requestKeyframe(stream: Stream): boolean {
    const supplier = this.suppliers.get(stream.key);
    supplier?.requestKeyframe();
    return supplier !== undefined;
  }
}
