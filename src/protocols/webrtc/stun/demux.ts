import { MAGIC_COOKIE } from './message.js';

/** What a datagram on the shared port is, by its first byte (RFC 7983) and RTCP payload type. */
export type PacketKind = 'stun' | 'dtls' | 'rtp' | 'rtcp' | 'unknown';

/** A STUN message: first byte 0..3, 20-byte header with the magic cookie. */
export function isStun(data: Buffer): boolean {
  return data.length >= 20 && data[0]! < 4 && data.readUInt32BE(4) === MAGIC_COOKIE;
}

/**
 * RFC 7983 5: 0-3 STUN, 20-63 DTLS, 128-191 RTP/RTCP; RTCP is told apart by its packet type
 * 192-223 in the second byte (RFC 5761 4), which covers SR..PSFB and XR.
 */
export function classifyPacket(data: Buffer): PacketKind {
  if (data.length === 0) return 'unknown';
  const first = data[0]!;
  if (first < 4) return isStun(data) ? 'stun' : 'unknown';
  if (first >= 20 && first <= 63) return data.length >= 13 ? 'dtls' : 'unknown';
  if (first >= 128 && first <= 191) {
    if (data.length < 4) return 'unknown';
    const type = data[1]!;
    return type >= 192 && type <= 223 ? 'rtcp' : data.length >= 12 ? 'rtp' : 'unknown';
  }
  return 'unknown';
}
