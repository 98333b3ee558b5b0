/** One RTP header extension element (RFC 8285). */
export interface RtpExtension {
  id: number;
  data: Buffer;
}

/** The header extension elements of a raw RTP packet (one-byte or two-byte form); [] when none. */
export declare function readRtpExtensions(packet: Buffer): RtpExtension[];
/** A raw RTP packet with this 12-byte header, these one-byte-form extensions and payload. */
export declare function writeRtpWithExtensions(header: { payloadType: number; marker: boolean; sequence: number; timestamp: number; ssrc: number }, extensions: RtpExtension[], payload: Buffer): Buffer;
