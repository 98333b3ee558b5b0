import { opusPacketSamples } from '../../codecs/opus.js';
import { ProtocolError } from '../../util/errors.js';
import { encodeRtp, type RtpPacket } from './packet.js';

/** Opus clock rate in RTP (RFC 7587 4.1): always 48 kHz, whatever the audio bandwidth. */
export const OPUS_CLOCK_RATE = 48000;
/** The longest Opus packet (RFC 6716 3.2.5): 120 ms. */
const MAX_SAMPLES = 5760;

/** One Opus packet per RTP payload (RFC 7587 4.2); its duration from the TOC. */
export interface OpusFrame {
  data: Buffer;
  samples: number;
}

/** Reads an Opus RTP payload; ProtocolError when it is empty or its TOC names no valid duration. */
export function depacketizeOpus(packet: RtpPacket): OpusFrame {
  const data = packet.payload;
  if (data.length === 0) throw new ProtocolError('empty Opus RTP payload');
  const samples = opusPacketSamples(data);
  if (samples === 0 || samples > MAX_SAMPLES) throw new ProtocolError(`Opus packet of ${samples} samples`);
  return { data, samples };
}

/**
 * An RTP packet carrying one Opus packet (RFC 7587 4.2): no payload header; the marker bit set on
 * the first packet of a talkspurt.
 */
export function packetizeOpus(frame: Buffer, header: Omit<RtpPacket, 'payload'>): Buffer {
  return encodeRtp({ ...header, payload: frame });
}
