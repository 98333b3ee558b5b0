import type { AudioTrackInfo } from '../media/frame.js';

const OPUS_HEAD = Buffer.from('OpusHead');

/**
 * Describes an Opus track from its identification header (RFC 7845 5.1). The sample rate is
 * Opus's decoding rate, 48 kHz: the header's "input sample rate" is only what the encoder was fed.
 * Enhanced RTMP allows the comment header here too, which names the codec and nothing else.
 */
export function parseOpusHead(header: Buffer): AudioTrackInfo {
  const info: AudioTrackInfo = { codec: 'Opus', sampleRate: 48000 };
  if (header.length >= 19 && header.subarray(0, 8).equals(OPUS_HEAD) && header[9]! > 0) {
    info.channels = header[9]!;
  }
  return info;
}

/** An OpusHead (RFC 7845 5.1) for a mono or stereo stream, mapping family 0. */
export function opusHead(channels: 1 | 2, preSkip: number): Buffer {
  const head = Buffer.alloc(19);
  OPUS_HEAD.copy(head, 0);
  head[8] = 1; // version
  head[9] = channels;
  head.writeUInt16LE(preSkip, 10);
  head.writeUInt32LE(48000, 12); // input sample rate, informational
  return head; // output gain 0, mapping family 0
}

// Frame durations in 48 kHz samples by TOC config (RFC 6716 3.1): SILK, hybrid, CELT.
const SILK = [480, 960, 1920, 2880];
const HYBRID = [480, 960];
const CELT = [120, 240, 480, 960];

/** The 48 kHz samples an Opus packet decodes to, from its TOC byte (RFC 6716 3.1); 0 when empty. */
export function opusPacketSamples(packet: Uint8Array): number {
  if (packet.length === 0) return 0;
  const config = packet[0]! >> 3;
  const frame = config < 12 ? SILK[config & 3]! : config < 16 ? HYBRID[config & 1]! : CELT[config & 3]!;
  const code = packet[0]! & 0x03;
  const frames = code === 0 ? 1 : code < 3 ? 2 : (packet[1] ?? 0) & 0x3f;
  return frame * frames;
}
