import { sequenceDelta } from './packet.js';
import { FeedbackFormat, RtcpType, type ReportBlock } from './rtcp-packets.js';

/** An RTCP packet: header with `count` (or FMT) and the body, padded to 32 bits. */
export function rtcpPacket(type: number, count: number, body: Buffer): Buffer {
  const padded = body.length % 4 === 0 ? body : Buffer.concat([body, Buffer.alloc(4 - (body.length % 4))]);
  const header = Buffer.allocUnsafe(4);
  header[0] = 0x80 | (count & 0x1f);
  header[1] = type;
  header.writeUInt16BE(padded.length / 4, 2);
  return Buffer.concat([header, padded]);
}

function u32s(...values: number[]): Buffer {
  const out = Buffer.allocUnsafe(values.length * 4);
  values.forEach((v, i) => out.writeUInt32BE(v >>> 0, i * 4));
  return out;
}

function blocks(reports: readonly ReportBlock[]): Buffer {
  const out = Buffer.alloc(reports.length * 24);
  reports.forEach((r, i) => {
    const o = i * 24;
    out.writeUInt32BE(r.ssrc >>> 0, o);
    out[o + 4] = r.fractionLost & 0xff;
    out.writeIntBE(Math.max(-0x800000, Math.min(0x7fffff, r.packetsLost)), o + 5, 3);
    out.writeUInt32BE(r.highestSequence >>> 0, o + 8);
    out.writeUInt32BE(r.jitter >>> 0, o + 12);
    out.writeUInt32BE(r.lastSr >>> 0, o + 16);
    out.writeUInt32BE(r.delaySinceLastSr >>> 0, o + 20);
  });
  return out;
}

export interface SenderReportInit {
  ssrc: number;
  ntpSeconds: number;
  ntpFraction: number;
  rtpTimestamp: number;
  packets: number;
  octets: number;
  reports?: ReportBlock[];
}

export function buildSenderReport(sr: SenderReportInit): Buffer {
  const reports = sr.reports ?? [];
  const head = u32s(sr.ssrc, sr.ntpSeconds, sr.ntpFraction, sr.rtpTimestamp, sr.packets, sr.octets);
  return rtcpPacket(RtcpType.SR, reports.length, Buffer.concat([head, blocks(reports)]));
}

export function buildReceiverReport(ssrc: number, reports: readonly ReportBlock[]): Buffer {
  return rtcpPacket(RtcpType.RR, reports.length, Buffer.concat([u32s(ssrc), blocks(reports)]));
}

/** SDES with one CNAME item per chunk (RFC 3550 6.5); each chunk ends with a null and pads to 32 bits. */
export function buildSdes(chunks: readonly { ssrc: number; cname: string }[]): Buffer {
  const parts = chunks.map(({ ssrc, cname }) => {
    const text = Buffer.from(cname, 'utf8').subarray(0, 255);
    const size = (4 + 2 + text.length + 1 + 3) & ~3;
    const chunk = Buffer.alloc(size);
    chunk.writeUInt32BE(ssrc >>> 0, 0);
    chunk[4] = 1;
    chunk[5] = text.length;
    text.copy(chunk, 6);
    return chunk;
  });
  return rtcpPacket(RtcpType.SDES, chunks.length, Buffer.concat(parts));
}

export function buildBye(ssrcs: readonly number[], reason?: string): Buffer {
  const parts = [u32s(...ssrcs)];
  if (reason) {
    const text = Buffer.from(reason, 'utf8').subarray(0, 255);
    parts.push(Buffer.from([text.length]), text);
  }
  return rtcpPacket(RtcpType.BYE, ssrcs.length, Buffer.concat(parts));
}

/** Generic NACK (RFC 4585 6.2.1) for these lost sequence numbers, packed into PID+BLP items. */
export function buildNack(senderSsrc: number, mediaSsrc: number, lost: readonly number[]): Buffer {
  if (lost.length === 0) throw new RangeError('a NACK needs at least one lost sequence number');
  const first = lost[0] ?? 0;
  const ordered = [...new Set(lost.map((s) => s & 0xffff))].sort((a, b) => sequenceDelta(a, first) - sequenceDelta(b, first));
  const items: number[] = [];
  for (let i = 0; i < ordered.length; ) {
    const pid = ordered[i++]!;
    let blp = 0;
    while (i < ordered.length) {
      const offset = sequenceDelta(ordered[i]!, pid);
      if (offset < 1 || offset > 16) break;
      blp |= 1 << (offset - 1);
      i++;
    }
    items.push(((pid << 16) | blp) >>> 0);
  }
  return rtcpPacket(RtcpType.RTPFB, FeedbackFormat.NACK, u32s(senderSsrc, mediaSsrc, ...items));
}

/** Picture Loss Indication (RFC 4585 6.3.1). */
export function buildPli(senderSsrc: number, mediaSsrc: number): Buffer {
  return rtcpPacket(RtcpType.PSFB, FeedbackFormat.PLI, u32s(senderSsrc, mediaSsrc));
}

/** Full Intra Request (RFC 5104 4.3.1): the media source field is 0, each entry names its SSRC. */
export function buildFir(senderSsrc: number, entries: readonly { ssrc: number; sequence: number }[]): Buffer {
  const fci = entries.flatMap(({ ssrc, sequence }) => [ssrc, ((sequence & 0xff) << 24) >>> 0]);
  return rtcpPacket(RtcpType.PSFB, FeedbackFormat.FIR, u32s(senderSsrc, 0, ...fci));
}

/** Receiver Estimated Max Bitrate (draft-alvestrand-rmcat-remb-03): 6-bit exponent, 18-bit mantissa. */
export function buildRemb(senderSsrc: number, bitrate: number, ssrcs: readonly number[]): Buffer {
  let mantissa = Math.max(0, Math.floor(bitrate));
  let exponent = 0;
  while (mantissa > 0x3ffff) {
    mantissa = Math.floor(mantissa / 2);
    exponent++;
  }
  const fci = Buffer.alloc(8);
  fci.write('REMB', 0, 'latin1');
  fci[4] = ssrcs.length;
  fci[5] = (exponent << 2) | (mantissa >> 16);
  fci.writeUInt16BE(mantissa & 0xffff, 6);
  return rtcpPacket(RtcpType.PSFB, FeedbackFormat.AFB, Buffer.concat([u32s(senderSsrc, 0), fci, u32s(...ssrcs)]));
}

/** Concatenates RTCP packets into one compound packet. */
export function compound(...packets: Buffer[]): Buffer {
  return Buffer.concat(packets);
}
