import type { Logger } from '../../../util/logger.js';
import type { DtlsCertificate } from '../certificate.js';
import type { SrtpKeyMaterial } from '../srtp-profile.js';

export interface DtlsServerOptions {
  certificate: DtlsCertificate;
  /** Writes one datagram to the peer (the ICE-selected address). */
  send(datagram: Buffer): void;
  /** From the offer's a=fingerprint: the client's certificate must match it. */
  expectedFingerprint?: { algorithm: string; value: string };
  /** Once, after the client's Finished checks out. */
  onConnected(keys: SrtpKeyMaterial): void;
  /** Once, when the session ends for any reason (peer alert, error, close()). */
  onClose(reason: string): void;
  log: Logger;
}

/** DTLS 1.2 server role for one WebRTC peer (skeleton: the handshake lands in later commits). */
export class DtlsServer {
  constructor(private readonly options: DtlsServerOptions) {}

  /** One datagram from the peer; never throws. */
  handle(datagram: Buffer): void {
    void datagram;
  }

  /** Sends close_notify, stops retransmission timers. */
  close(): void {
    this.options.onClose('closed');
  }
}
