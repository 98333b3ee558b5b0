/** RTCP packet and feedback types (RFC 3550, RFC 4585, RFC 5104). */
export const RtcpType = { SR: 200, RR: 201, SDES: 202, BYE: 203, APP: 204, RTPFB: 205, PSFB: 206 } as const;
/** Feedback message types: RTPFB 1 generic NACK, 15 transport-cc; PSFB 1 PLI, 4 FIR, 15 application (REMB). */
export const FeedbackFormat = { NACK: 1, TWCC: 15, PLI: 1, FIR: 4, AFB: 15 } as const;

/** A reception report block (RFC 3550 6.4.1). */
export interface ReportBlock {
  ssrc: number;
  /** Fraction lost since the last report, 0..255 (of 256). */
  fractionLost: number;
  /** Cumulative packets lost (signed 24-bit). */
  packetsLost: number;
  highestSequence: number;
  jitter: number;
  /** Middle 32 bits of the NTP time of the last SR received from this source. */
  lastSr: number;
  /** Delay since that SR in 1/65536 s. */
  delaySinceLastSr: number;
}

export interface RtcpSenderReport {
  type: 'sr';
  ssrc: number;
  /** NTP timestamp as the 64-bit value's two halves. */
  ntpSeconds: number;
  ntpFraction: number;
  rtpTimestamp: number;
  packets: number;
  octets: number;
  reports: ReportBlock[];
}

export interface RtcpReceiverReport {
  type: 'rr';
  ssrc: number;
  reports: ReportBlock[];
}

export interface RtcpSdes {
  type: 'sdes';
  chunks: { ssrc: number; cname?: string }[];
}

export interface RtcpBye {
  type: 'bye';
  ssrcs: number[];
  reason?: string;
}

export interface RtcpNack {
  type: 'nack';
  senderSsrc: number;
  mediaSsrc: number;
  /** Lost sequence numbers, in the order packed. */
  sequences: number[];
}

export interface RtcpPli {
  type: 'pli';
  senderSsrc: number;
  mediaSsrc: number;
}

export interface RtcpFir {
  type: 'fir';
  senderSsrc: number;
  entries: { ssrc: number; sequence: number }[];
}

export interface RtcpRemb {
  type: 'remb';
  senderSsrc: number;
  bitrate: number;
  ssrcs: number[];
}

/** One packet's fate in a transport-cc feedback: received with its arrival time, or not. */
export interface TwccArrival {
  sequence: number;
  /** Arrival in µs on the receiver's clock (reference time * 64 ms + deltas); undefined: lost. */
  arrivalUs?: number;
}

export interface RtcpTransportCc {
  type: 'twcc';
  senderSsrc: number;
  mediaSsrc: number;
  baseSequence: number;
  /** Reference time in multiples of 64 ms (24-bit signed). */
  referenceTime: number;
  feedbackCount: number;
  /** Every packet from baseSequence on, in order. */
  packets: TwccArrival[];
}

/** Any other packet (APP, XR, unknown feedback), kept as bytes. */
export interface RtcpOther {
  type: 'other';
  packetType: number;
  count: number;
  body: Buffer;
}

export type RtcpPacket =
  | RtcpSenderReport
  | RtcpReceiverReport
  | RtcpSdes
  | RtcpBye
  | RtcpNack
  | RtcpPli
  | RtcpFir
  | RtcpRemb
  | RtcpTransportCc
  | RtcpOther;
