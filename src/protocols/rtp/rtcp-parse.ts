import { ProtocolError } from '../../util/errors.js';
import { FeedbackFormat, RtcpType, type ReportBlock, type RtcpPacket } from './rtcp-packets.js';
import { parseTransportCc } from './rtcp-twcc.js';

const REMB_ID = 0x52454d42; // 'REMB'

/** Parses a compound RTCP packet into typed items; malformed lengths are ProtocolErrors. */
export function parseRtcp(data: Buffer): RtcpPacket[] {
  const packets: RtcpPacket[] = [];
  let at = 0;
  while (at < data.length) {
    if (at + 4 > data.length) throw new ProtocolError('truncated RTCP header');
    const first = data[at]!;
    if (first >> 6 !== 2) throw new ProtocolError(`RTCP version ${first >> 6}`);
    const length = (data.readUInt16BE(at + 2) + 1) * 4;
    if (at + length > data.length) throw new ProtocolError(`RTCP packet of ${length} bytes overruns its datagram`);
    let end = at + length;
    if (first & 0x20) {
      const padding = data[end - 1]!;
      if (padding === 0 || padding > length - 4) throw new ProtocolError(`RTCP padding of ${padding} bytes`);
      end -= padding;
    }
    packets.push(parseOne(data[at + 1]!, first & 0x1f, data.subarray(at + 4, end)));
    at += length;
  }
  return packets;
}

function need(body: Buffer, bytes: number, what: string): void {
  if (body.length < bytes) throw new ProtocolError(`RTCP ${what} of ${body.length} bytes, need ${bytes}`);
}

function parseOne(type: number, count: number, body: Buffer): RtcpPacket {
  switch (type) {
    case RtcpType.SR:
      need(body, 24 + count * 24, 'sender report');
      return {
        type: 'sr',
        ssrc: body.readUInt32BE(0),
        ntpSeconds: body.readUInt32BE(4),
        ntpFraction: body.readUInt32BE(8),
        rtpTimestamp: body.readUInt32BE(12),
        packets: body.readUInt32BE(16),
        octets: body.readUInt32BE(20),
        reports: reportBlocks(body, 24, count),
      };
    case RtcpType.RR:
      need(body, 4 + count * 24, 'receiver report');
      return { type: 'rr', ssrc: body.readUInt32BE(0), reports: reportBlocks(body, 4, count) };
    case RtcpType.SDES:
      return { type: 'sdes', chunks: sdesChunks(body, count) };
    case RtcpType.BYE: {
      need(body, count * 4, 'BYE');
      const ssrcs = Array.from({ length: count }, (_, i) => body.readUInt32BE(i * 4));
      const at = count * 4;
      if (at < body.length && at + 1 + body[at]! <= body.length) {
        return { type: 'bye', ssrcs, reason: body.toString('utf8', at + 1, at + 1 + body[at]!) };
      }
      return { type: 'bye', ssrcs };
    }
    case RtcpType.RTPFB:
    case RtcpType.PSFB:
      return feedback(type, count, body);
  }
  return { type: 'other', packetType: type, count, body };
}

function reportBlocks(body: Buffer, at: number, count: number): ReportBlock[] {
  return Array.from({ length: count }, (_, i) => {
    const o = at + i * 24;
    return {
      ssrc: body.readUInt32BE(o),
      fractionLost: body[o + 4]!,
      packetsLost: body.readIntBE(o + 5, 3),
      highestSequence: body.readUInt32BE(o + 8),
      jitter: body.readUInt32BE(o + 12),
      lastSr: body.readUInt32BE(o + 16),
      delaySinceLastSr: body.readUInt32BE(o + 20),
    };
  });
}

function sdesChunks(body: Buffer, count: number): { ssrc: number; cname?: string }[] {
  const chunks: { ssrc: number; cname?: string }[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    need(body, at + 4, 'SDES chunk');
    const chunk: { ssrc: number; cname?: string } = { ssrc: body.readUInt32BE(at) };
    at += 4;
    for (;;) {
      need(body, at + 1, 'SDES item');
      const itemType = body[at]!;
      if (itemType === 0) break;
      need(body, at + 2, 'SDES item');
      const end = at + 2 + body[at + 1]!;
      need(body, end, 'SDES item');
      if (itemType === 1) chunk.cname = body.toString('utf8', at + 2, end);
      at = end;
    }
    at = (at + 4) & ~3; // the terminating null and padding to the next 32-bit boundary
    chunks.push(chunk);
  }
  return chunks;
}

function feedback(type: number, fmt: number, body: Buffer): RtcpPacket {
  need(body, 8, 'feedback message');
  const senderSsrc = body.readUInt32BE(0);
  const mediaSsrc = body.readUInt32BE(4);
  const fci = body.subarray(8);
  if (type === RtcpType.RTPFB && fmt === FeedbackFormat.NACK) {
    const sequences: number[] = [];
    for (let at = 0; at + 4 <= fci.length; at += 4) {
      const pid = fci.readUInt16BE(at);
      const blp = fci.readUInt16BE(at + 2);
      sequences.push(pid);
      for (let bit = 0; bit < 16; bit++) if (blp & (1 << bit)) sequences.push((pid + bit + 1) & 0xffff);
    }
    return { type: 'nack', senderSsrc, mediaSsrc, sequences };
  }
  if (type === RtcpType.RTPFB && fmt === FeedbackFormat.TWCC) return parseTransportCc(senderSsrc, mediaSsrc, fci);
  if (type === RtcpType.PSFB && fmt === FeedbackFormat.PLI) return { type: 'pli', senderSsrc, mediaSsrc };
  if (type === RtcpType.PSFB && fmt === FeedbackFormat.FIR) {
    const entries: { ssrc: number; sequence: number }[] = [];
    for (let at = 0; at + 8 <= fci.length; at += 8) entries.push({ ssrc: fci.readUInt32BE(at), sequence: fci[at + 4]! });
    return { type: 'fir', senderSsrc, entries };
  }
  if (type === RtcpType.PSFB && fmt === FeedbackFormat.AFB && fci.length >= 8 && fci.readUInt32BE(0) === REMB_ID) {
    const count = fci[4]!;
    need(fci, 8 + count * 4, 'REMB');
    const exponent = fci[5]! >> 2;
    const mantissa = ((fci[5]! & 0x03) << 16) | fci.readUInt16BE(6);
    const ssrcs = Array.from({ length: count }, (_, i) => fci.readUInt32BE(8 + i * 4));
    return { type: 'remb', senderSsrc, bitrate: mantissa * 2 ** exponent, ssrcs };
  }
  return { type: 'other', packetType: type, count: fmt, body };
}
