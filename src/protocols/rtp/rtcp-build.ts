import type { ReportBlock } from './rtcp-packets.js';

export declare function buildSenderReport(sr: { ssrc: number; ntpSeconds: number; ntpFraction: number; rtpTimestamp: number; packets: number; octets: number; reports?: ReportBlock[] }): Buffer;
export declare function buildReceiverReport(ssrc: number, reports: ReportBlock[]): Buffer;
export declare function buildSdes(chunks: { ssrc: number; cname: string }[]): Buffer;
export declare function buildBye(ssrcs: number[], reason?: string): Buffer;
/** Generic NACK (RFC 4585 6.2.1) for these lost sequence numbers, packed into PID+BLP items. */
export declare function buildNack(senderSsrc: number, mediaSsrc: number, lost: readonly number[]): Buffer;
export declare function buildPli(senderSsrc: number, mediaSsrc: number): Buffer;
export declare function buildFir(senderSsrc: number, entries: { ssrc: number; sequence: number }[]): Buffer;
export declare function buildRemb(senderSsrc: number, bitrate: number, ssrcs: number[]): Buffer;
/** Concatenates RTCP packets into one compound packet. */
export declare function compound(...packets: Buffer[]): Buffer;
