import type { RtpPacket } from './packet.js';

/** Opus clock rate in RTP (RFC 7587 4.1): always 48 kHz. */
export const OPUS_CLOCK_RATE = 48000;

/** One Opus packet per RTP payload (RFC 7587 4.2); its duration from the TOC. */
export interface OpusFrame {
  data: Buffer;
  samples: number;
}

/** Reads an Opus RTP payload; ProtocolError when the TOC is malformed or the payload empty. */
export declare function depacketizeOpus(packet: RtpPacket): OpusFrame;
