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
