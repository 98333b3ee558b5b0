/** What a datagram on the shared port is, by its first byte (RFC 7983) and RTCP payload type. */
export type PacketKind = 'stun' | 'dtls' | 'rtp' | 'rtcp' | 'unknown';

export declare function isStun(data: Buffer): boolean;
export declare function classifyPacket(data: Buffer): PacketKind;
