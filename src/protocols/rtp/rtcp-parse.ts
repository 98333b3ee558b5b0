import type { RtcpPacket } from './rtcp-packets.js';

/** Parses a compound RTCP packet into typed items; malformed lengths are ProtocolErrors. */
export declare function parseRtcp(data: Buffer): RtcpPacket[];
