import { ProtocolError } from '../../util/errors.js';
import { timestampDelta, type RtpPacket } from './packet.js';

/** One RTP payload to send: the last of an access unit carries the marker bit. */
export interface RtpPayload {
  payload: Buffer;
  marker: boolean;
}

/** A picture's NAL units and its RTP timestamp (presentation time). */
export interface AccessUnit {
  nalus: Buffer[];
  timestamp: number;
}

/** How one codec's NAL units are split into and rebuilt from RTP payloads. */
export interface NalPayloadFormat {
  /** Bytes of the NAL unit header (1 for H.264, 2 for H.265). */
  readonly headerBytes: number;
  /** The FU indicator/payload header for fragments of `nal`, then the FU header without S/E bits. */
  fragmentHeader(nal: Buffer): Buffer;
  /** Reads a payload: whole NAL units, or a fragment (with its start and end flags). */
  read(payload: Buffer): { nalus: Buffer[] } | { fragment: Buffer; start: boolean; end: boolean; header: Buffer };
}

/** Bounds on what one access unit may hold: hostile senders cannot grow it without limit. */
const MAX_AU_BYTES = 16 * 1024 * 1024;
const MAX_NALUS = 4096;

/** Splits an access unit into single-NAL and fragmentation-unit payloads of at most `maxPayload` bytes. */
export function packetizeNalus(format: NalPayloadFormat, nalus: readonly Buffer[], maxPayload: number): RtpPayload[] {
  const out: RtpPayload[] = [];
  for (const nal of nalus) {
    if (nal.length <= maxPayload) {
      out.push({ payload: nal, marker: false });
      continue;
    }
    const header = format.fragmentHeader(nal);
    const room = maxPayload - header.length;
    const last = header.length - 1;
    for (let at = format.headerBytes; at < nal.length; at += room) {
      const chunk = nal.subarray(at, Math.min(nal.length, at + room));
      const payload = Buffer.concat([header, chunk]);
      if (at === format.headerBytes) payload[last]! |= 0x80;
      if (at + room >= nal.length) payload[last]! |= 0x40;
      out.push({ payload, marker: false });
    }
  }
  if (out.length > 0) out[out.length - 1]!.marker = true;
  return out;
}

/**
 * Rebuilds access units from RTP packets in sequence order: an access unit ends at the marker
 * bit or when the timestamp changes. A fragment with a gap before it is dropped whole, and so is
 * a payload that does not parse (counted in `malformed`); `lost()` reports both so the stream can
 * wait for a keyframe.
 */
export class NalDepacketizer {
  malformed = 0;
  private nalus: Buffer[] = [];
  private bytes = 0;
  private timestamp: number | undefined;
  private fragments: Buffer[] | undefined;
  private damaged = false;

  constructor(private readonly format: NalPayloadFormat) {}

  /** True once since the last call when data was lost or malformed. */
  lost(): boolean {
    const damaged = this.damaged;
    this.damaged = false;
    return damaged;
  }

  /** Takes the next packet (`gap`: packets are missing before it); returns completed access units. */
  push(packet: RtpPacket, gap: boolean): AccessUnit[] {
    const done: AccessUnit[] = [];
    if (this.timestamp !== undefined && timestampDelta(packet.timestamp, this.timestamp) !== 0) {
      const unit = this.take();
      if (unit) done.push(unit);
    }
    if (gap && this.fragments) {
      this.fragments = undefined;
      this.damaged = true;
    }
    this.timestamp = packet.timestamp;
    try {
      this.read(packet.payload);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.malformed++;
      this.fragments = undefined;
      this.damaged = true;
    }
    if (packet.marker) {
      const unit = this.take();
      if (unit) done.push(unit);
    }
    return done;
  }

  private read(payload: Buffer): void {
    const read = this.format.read(payload);
    if ('nalus' in read) {
      this.fragments = undefined;
      for (const nal of read.nalus) this.add(nal);
      return;
    }
    if (read.start) this.fragments = [read.header];
    else if (!this.fragments) return; // the start was lost
    this.fragments.push(read.fragment);
    if (this.fragments.reduce((sum, part) => sum + part.length, 0) > MAX_AU_BYTES) throw new ProtocolError('fragmented NAL unit too large');
    if (read.end) {
      this.add(Buffer.concat(this.fragments));
      this.fragments = undefined;
    }
  }

  private add(nal: Buffer): void {
    if (nal.length === 0) return;
    if (this.nalus.length >= MAX_NALUS || this.bytes + nal.length > MAX_AU_BYTES) throw new ProtocolError('access unit too large');
    this.nalus.push(Buffer.from(nal)); // keep no view into the datagram
    this.bytes += nal.length;
  }

  private take(): AccessUnit | undefined {
    const timestamp = this.timestamp;
    const nalus = this.nalus;
    this.nalus = [];
    this.bytes = 0;
    this.fragments = undefined;
    this.timestamp = undefined;
    return nalus.length > 0 && timestamp !== undefined ? { nalus, timestamp } : undefined;
  }
}

/** Reads an aggregation packet's NAL units, each after a 16-bit size, from `offset`. */
export function readAggregated(payload: Buffer, offset: number): Buffer[] {
  const nalus: Buffer[] = [];
  while (offset < payload.length) {
    if (offset + 2 > payload.length) throw new ProtocolError('truncated aggregation unit size');
    const size = payload.readUInt16BE(offset);
    offset += 2;
    if (offset + size > payload.length) throw new ProtocolError(`aggregated NAL unit of ${size} bytes overruns the packet`);
    nalus.push(payload.subarray(offset, offset + size));
    offset += size;
  }
  return nalus;
}
