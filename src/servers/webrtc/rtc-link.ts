import type { RtcLinkFigures } from '../sessions.js';

/** A WebRTC session's link counters, kept by its player or publisher. */
export class RtcLinkCounters {
  rttMs = 0;
  packetsLost = 0;
  retransmitted = 0;
  nackReceived = 0;
  nackSent = 0;
  pliReceived = 0;
  pliSent = 0;

  figures(): RtcLinkFigures {
    return {
      rtt_ms: Math.round(this.rttMs),
      pkt_loss: this.packetsLost,
      nack_received: this.nackReceived,
      nack_sent: this.nackSent,
      pli_received: this.pliReceived,
      pli_sent: this.pliSent,
      pkt_retrans: this.retransmitted,
    };
  }
}
