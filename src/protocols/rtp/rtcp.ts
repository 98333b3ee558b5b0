import { ProtocolError } from '../../util/errors.js';

/** An RTCP sender report's clock mapping (RFC 3550 6.4.1): this NTP instant is this RTP timestamp. */
export interface SenderReport {
  ssrc: number;
  /** NTP time in ms since 1900 (the 64-bit fixed-point value, rounded). */
  ntpMs: number;
  rtpTimestamp: number;
  packets: number;
  octets: number;
}

const SR = 200;
const NTP_EPOCH_OFFSET_MS = 2_208_988_800_000; // 1900-01-01 to 1970-01-01

/** Unix ms to NTP ms (since 1900). */
export function ntpFromUnixMs(ms: number): number {
  return ms + NTP_EPOCH_OFFSET_MS;
}

/** A lone sender report with no report blocks. */
export function encodeSenderReport(report: SenderReport): Buffer {
  const out = Buffer.alloc(28);
  out[0] = 0x80; // version 2, no padding, no report blocks
  out[1] = SR;
  out.writeUInt16BE(6, 2); // length in 32-bit words minus one
  out.writeUInt32BE(report.ssrc >>> 0, 4);
  const seconds = Math.floor(report.ntpMs / 1000);
  const fraction = Math.floor(((report.ntpMs % 1000) / 1000) * 0x1_0000_0000);
  out.writeUInt32BE(seconds >>> 0, 8);
  out.writeUInt32BE(Math.min(fraction, 0xffffffff) >>> 0, 12);
  out.writeUInt32BE(report.rtpTimestamp >>> 0, 16);
  out.writeUInt32BE(report.packets >>> 0, 20);
  out.writeUInt32BE(report.octets >>> 0, 24);
  return out;
}

/** The sender reports in a compound RTCP packet; other report types are skipped. */
export function decodeSenderReports(data: Buffer): SenderReport[] {
  const reports: SenderReport[] = [];
  let at = 0;
  while (at + 4 <= data.length) {
    if (data[at]! >> 6 !== 2) throw new ProtocolError(`RTCP version ${data[at]! >> 6}`);
    const length = (data.readUInt16BE(at + 2) + 1) * 4;
    if (at + length > data.length) throw new ProtocolError(`RTCP packet of ${length} bytes overruns its datagram`);
    if (data[at + 1] === SR && length >= 28) {
      const seconds = data.readUInt32BE(at + 8);
      const fraction = data.readUInt32BE(at + 12);
      reports.push({
        ssrc: data.readUInt32BE(at + 4),
        ntpMs: seconds * 1000 + Math.round((fraction * 1000) / 0x1_0000_0000),
        rtpTimestamp: data.readUInt32BE(at + 16),
        packets: data.readUInt32BE(at + 20),
        octets: data.readUInt32BE(at + 24),
      });
    }
    at += length;
  }
  return reports;
}
