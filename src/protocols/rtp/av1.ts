import { leb128, ObuType, readObu, unsizedObu, type Obu } from '../../codecs/av1.js';
import { ByteReader } from '../../util/bytes.js';
import { ProtocolError } from '../../util/errors.js';
import type { RtpPayload } from './nal-units.js';
import { timestampDelta, type RtpPacket } from './packet.js';

/**
 * AV1 over RTP (AOM "RTP Payload Format For AV1", 4.4): an aggregation header (Z: the first
 * element continues an OBU of the last packet, Y: the last continues in the next, W: elements
 * counted, N: a new coded video sequence starts), then OBU elements, each behind a LEB128 length
 * except the last when W is not zero.
 */
export interface Av1Aggregation {
  continues: boolean;
  continued: boolean;
  newSequence: boolean;
  elements: Buffer[];
}

const Z = 0x80;
const Y = 0x40;
const N = 0x08;

export function readAv1Aggregation(payload: Buffer): Av1Aggregation {
  const r = new ByteReader(payload);
  const header = r.u8();
  const count = (header >> 4) & 0x03;
  const elements: Buffer[] = [];
  while (r.remaining > 0) {
    const last = count !== 0 && elements.length === count - 1;
    elements.push(r.bytes(last ? r.remaining : readLength(r)));
  }
  if (count !== 0 && elements.length !== count) throw new ProtocolError(`AV1 aggregation header counts ${count} OBU elements, the packet has ${elements.length}`);
  return { continues: (header & Z) !== 0, continued: (header & Y) !== 0, newSequence: (header & N) !== 0, elements };
}

function readLength(r: ByteReader): number {
  let value = 0;
  for (let i = 0; i < 8; i++) {
    const byte = r.u8();
    value += (byte & 0x7f) * 2 ** (7 * i);
    if (!(byte & 0x80)) return value;
  }
  throw new ProtocolError('AV1 OBU element length longer than 8 bytes');
}

/** OBUs a sender leaves out of RTP (4.5): temporal delimiters and tile lists; padding too. */
export function carriedOverRtp(obu: Obu): boolean {
  return obu.type !== ObuType.TemporalDelimiter && obu.type !== ObuType.TileList && obu.type !== ObuType.Padding;
}

/**
 * One temporal unit as RTP payloads: each OBU without its size field, as elements that all
 * carry a length (W = 0), split across packets where they do not fit; N on the first packet of
 * a keyframe, the marker on the last.
 */
export function packetizeAv1(obus: readonly Obu[], keyframe: boolean, maxPayload: number): RtpPayload[] {
  const out: RtpPayload[] = [];
  let parts: Buffer[] = [];
  let used = 1;
  let header = keyframe ? N : 0;
  const flush = (continued: boolean): void => {
    out.push({ payload: Buffer.concat([Buffer.from([header | (continued ? Y : 0)]), ...parts]), marker: false });
    header = continued ? Z : 0;
    parts = [];
    used = 1;
  };
  for (const obu of obus.filter(carriedOverRtp)) {
    let element = unsizedObu(obu);
    while (element.length > 0) {
      const room = maxPayload - used;
      const fits = room - leb128(room).length;
      if (fits <= 0) {
        if (parts.length === 0) throw new ProtocolError(`AV1 payload size ${maxPayload} too small`);
        flush(false);
        continue;
      }
      const piece = element.subarray(0, fits);
      parts.push(leb128(piece.length), piece);
      used += leb128(piece.length).length + piece.length;
      element = element.subarray(piece.length);
      if (element.length > 0) flush(true);
    }
  }
  if (parts.length > 0 || out.length === 0) flush(false);
  out[out.length - 1]!.marker = true;
  return out;
}

/** One temporal unit rebuilt from RTP: its OBUs (headers as sent), RTP timestamp, and N. */
export interface Av1TemporalUnit {
  obus: Obu[];
  timestamp: number;
  newSequence: boolean;
}

const MAX_UNIT_BYTES = 16 * 1024 * 1024;
const MAX_OBUS = 4096;

/**
 * Rebuilds temporal units from RTP packets in sequence order: a unit ends at the marker bit or
 * when the timestamp changes; an OBU fragmented over packets is joined again. A unit with a gap
 * in it or a payload that does not parse is dropped whole, counted in `malformed` for the latter;
 * `lost()` tells the caller to wait for a keyframe.
 */
export class Av1Depacketizer {
  private obus: Obu[] = [];
  private bytes = 0;
  private fragment: Buffer[] | undefined;
  private timestamp: number | undefined;
  private newSequence = false;
  private broken = false;
  private damaged = false;
  malformed = 0;

  lost(): boolean {
    const damaged = this.damaged;
    this.damaged = false;
    return damaged;
  }

  push(packet: RtpPacket, gap: boolean): Av1TemporalUnit[] {
    const done: Av1TemporalUnit[] = [];
    if (this.timestamp !== undefined && timestampDelta(packet.timestamp, this.timestamp) !== 0) this.take(done);
    if (this.timestamp === undefined) {
      this.timestamp = packet.timestamp;
      this.broken = false;
    }
    if (gap) this.break();
    try {
      this.read(packet.payload);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.malformed++;
      this.break();
    }
    if (packet.marker) this.take(done);
    return done;
  }

  private read(payload: Buffer): void {
    const aggregation = readAv1Aggregation(payload);
    if (aggregation.newSequence) this.newSequence = true;
    aggregation.elements.forEach((element, i) => {
      const first = i === 0 && aggregation.continues;
      const last = i === aggregation.elements.length - 1 && aggregation.continued;
      if (first) {
        if (!this.fragment) return this.break(); // its start was lost
        this.fragment.push(element);
      } else {
        if (this.fragment) throw new ProtocolError('AV1 OBU fragment not continued');
        this.fragment = [element];
      }
      this.bytes += element.length;
      if (this.bytes > MAX_UNIT_BYTES || this.obus.length >= MAX_OBUS) throw new ProtocolError('AV1 temporal unit too large');
      if (last) return;
      const whole = Buffer.concat(this.fragment);
      this.fragment = undefined;
      if (whole.length === 0) return;
      const { obu, length } = readObu(whole);
      if (length !== whole.length) throw new ProtocolError('AV1 OBU size field disagrees with its element');
      this.obus.push(obu);
    });
  }

  private break(): void {
    this.broken = true;
    this.damaged = true;
    this.fragment = undefined;
  }

  private take(done: Av1TemporalUnit[]): void {
    if (!this.broken && !this.fragment && this.obus.length > 0 && this.timestamp !== undefined) {
      done.push({ obus: this.obus, timestamp: this.timestamp, newSequence: this.newSequence });
    }
    this.obus = [];
    this.bytes = 0;
    this.fragment = undefined;
    this.timestamp = undefined;
    this.newSequence = false;
    this.broken = false;
  }
}
