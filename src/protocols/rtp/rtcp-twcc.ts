import { ProtocolError } from '../../util/errors.js';
import { sequenceDelta } from './packet.js';
import { FeedbackFormat, RtcpType, type RtcpTransportCc, type TwccArrival } from './rtcp-packets.js';
import { rtcpPacket } from './rtcp-build.js';

/** A packet received, for transport-cc feedback: transport-wide sequence and arrival in µs. */
export interface TwccReceived {
  sequence: number;
  arrivalUs: number;
}

const NOT_RECEIVED = 0;
const SMALL_DELTA = 1;
const LARGE_DELTA = 2;
const TICK_US = 250;
const REFERENCE_US = 64_000;
const MAX_RUN = 0x1fff;

/**
 * Transport-cc feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01 3.1) for these
 * arrivals; sequences between the lowest and highest not listed are reported lost. Run-length
 * chunks where a status repeats 7 times or more, one- or two-bit status vectors otherwise.
 */
export function buildTransportCc(senderSsrc: number, mediaSsrc: number, feedbackCount: number, received: readonly TwccReceived[]): Buffer {
  if (received.length === 0) throw new RangeError('transport-cc feedback needs at least one packet');
  const first = received[0]!.sequence;
  const byOffset = new Map<number, number>();
  for (const r of received) {
    const offset = sequenceDelta(r.sequence, first);
    if (!byOffset.has(offset)) byOffset.set(offset, r.arrivalUs);
  }
  const offsets = [...byOffset.keys()].sort((a, b) => a - b);
  const low = offsets[0]!;
  const count = offsets.at(-1)! - low + 1;
  const base = (first + low) & 0xffff;
  const reference = Math.floor(byOffset.get(low)! / REFERENCE_US);
  const symbols: number[] = [];
  const deltas: Buffer[] = [];
  let previousTicks = (reference * REFERENCE_US) / TICK_US;
  for (let i = 0; i < count; i++) {
    const arrival = byOffset.get(low + i);
    if (arrival === undefined) {
      symbols.push(NOT_RECEIVED);
      continue;
    }
    const ticks = Math.round(arrival / TICK_US);
    const delta = Math.max(-0x8000, Math.min(0x7fff, ticks - previousTicks));
    previousTicks += delta;
    if (delta >= 0 && delta <= 0xff) {
      symbols.push(SMALL_DELTA);
      deltas.push(Buffer.from([delta]));
    } else {
      symbols.push(LARGE_DELTA);
      const large = Buffer.allocUnsafe(2);
      large.writeInt16BE(delta);
      deltas.push(large);
    }
  }
  const head = Buffer.allocUnsafe(16);
  head.writeUInt32BE(senderSsrc >>> 0, 0);
  head.writeUInt32BE(mediaSsrc >>> 0, 4);
  head.writeUInt16BE(base, 8);
  head.writeUInt16BE(count, 10);
  head.writeUIntBE(reference & 0xffffff, 12, 3);
  head[15] = feedbackCount & 0xff;
  return rtcpPacket(RtcpType.RTPFB, FeedbackFormat.TWCC, Buffer.concat([head, chunks(symbols), ...deltas]));
}

function chunks(symbols: number[]): Buffer {
  const out: number[] = [];
  for (let i = 0; i < symbols.length; ) {
    let run = 1;
    while (i + run < symbols.length && symbols[i + run] === symbols[i] && run < MAX_RUN) run++;
    if (run >= 7) {
      out.push((symbols[i]! << 13) | run);
      i += run;
      continue;
    }
    const next14 = symbols.slice(i, i + 14);
    if (next14.every((s) => s <= SMALL_DELTA)) {
      let chunk = 0x8000;
      next14.forEach((s, k) => (chunk |= s << (13 - k)));
      out.push(chunk);
      i += 14;
    } else {
      let chunk = 0xc000;
      symbols.slice(i, i + 7).forEach((s, k) => (chunk |= s << (12 - 2 * k)));
      out.push(chunk);
      i += 7;
    }
  }
  const buffer = Buffer.allocUnsafe(out.length * 2);
  out.forEach((c, k) => buffer.writeUInt16BE(c, k * 2));
  return buffer;
}

/** Reads the FCI of a transport-cc feedback message (after sender and media SSRCs). */
export function parseTransportCc(senderSsrc: number, mediaSsrc: number, fci: Buffer): RtcpTransportCc {
  if (fci.length < 8) throw new ProtocolError(`transport-cc feedback of ${fci.length} bytes`);
  const baseSequence = fci.readUInt16BE(0);
  const count = fci.readUInt16BE(2);
  const referenceTime = fci.readIntBE(4, 3);
  const symbols: number[] = [];
  let at = 8;
  while (symbols.length < count) {
    if (at + 2 > fci.length) throw new ProtocolError('transport-cc status chunks overrun the packet');
    const chunk = fci.readUInt16BE(at);
    at += 2;
    if ((chunk & 0x8000) === 0) {
      const run = chunk & MAX_RUN;
      for (let k = 0; k < run && symbols.length < count; k++) symbols.push((chunk >> 13) & 0x03);
    } else if ((chunk & 0x4000) === 0) {
      for (let k = 13; k >= 0 && symbols.length < count; k--) symbols.push((chunk >> k) & 0x01);
    } else {
      for (let k = 12; k >= 0 && symbols.length < count; k -= 2) symbols.push((chunk >> k) & 0x03);
    }
  }
  let time = referenceTime * REFERENCE_US;
  const packets: TwccArrival[] = symbols.map((symbol, i) => {
    const sequence = (baseSequence + i) & 0xffff;
    if (symbol === NOT_RECEIVED) return { sequence };
    if (symbol === SMALL_DELTA) {
      if (at + 1 > fci.length) throw new ProtocolError('transport-cc deltas overrun the packet');
      time += fci[at]! * TICK_US;
      at += 1;
    } else if (symbol === LARGE_DELTA) {
      if (at + 2 > fci.length) throw new ProtocolError('transport-cc deltas overrun the packet');
      time += fci.readInt16BE(at) * TICK_US;
      at += 2;
    } else {
      throw new ProtocolError('transport-cc status symbol 3');
    }
    return { sequence, arrivalUs: time };
  });
  return { type: 'twcc', senderSsrc, mediaSsrc, baseSequence, referenceTime, feedbackCount: fci[7]!, packets };
}
