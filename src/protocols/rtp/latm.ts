import { BitReader } from '../../codecs/bitreader.js';
import { ProtocolError } from '../../util/errors.js';
import { AAC_FRAME_SAMPLES, type AudioUnit } from './aac.js';
import { timestampDelta, type RtpPacket } from './packet.js';

// Object types whose AudioSpecificConfig ends with the 3-bit GASpecificConfig read here.
const GA_OBJECT_TYPES = new Set([1, 2, 3, 4]);
const SBR = 5;
const PS = 29;
const SYNC_EXTENSION = 0x2b7;
/** Bound on one audioMuxElement rebuilt from fragments (a few AAC frames). */
const MAX_ELEMENT_BYTES = 64 * 1024;

/** Appends bit fields MSB first; pads the last byte with zeros. */
class BitWriter {
  private readonly bits: number[] = [];

  write(value: number, n: number): void {
    for (let i = n - 1; i >= 0; i--) this.bits.push(Math.floor(value / 2 ** i) % 2);
  }

  bytes(): Buffer {
    const out = Buffer.alloc(Math.ceil(this.bits.length / 8));
    this.bits.forEach((bit, i) => (out[i >> 3]! |= bit << (7 - (i & 7))));
    return out;
  }
}

/** The parts of a StreamMuxConfig (ISO/IEC 14496-3 1.7.3) a one-program, one-layer stream needs. */
export interface LatmConfig {
  /** The AudioSpecificConfig, as FLV and MPEG-TS carry it. */
  asc: Buffer;
  /** Subframes (AAC frames) per audioMuxElement. */
  subFrames: number;
}

/**
 * Reads the `config=` of an MP4A-LATM SDP (RFC 6416, cpresent=0): audioMuxVersion 0, all streams
 * on the same time framing, one program and layer, AAC with a GASpecificConfig (LC and its
 * HE-AAC wrappers), frameLengthType 0. Anything else is refused.
 */
export function parseLatmConfig(hex: string): LatmConfig {
  if (!/^([0-9a-f]{2})+$/i.test(hex)) throw new ProtocolError('MP4A-LATM config is not hex');
  const bytes = Buffer.from(hex, 'hex');
  const b = new BitReader(bytes);
  const peek = (n: number): number => {
    if (b.bitsLeft < n) return -1;
    const ahead = new BitReader(bytes);
    ahead.skip(bytes.length * 8 - b.bitsLeft);
    return ahead.bits(n);
  };
  if (b.bit() !== 0) throw new ProtocolError('MP4A-LATM audioMuxVersion 1 is not supported');
  if (b.bit() !== 1) throw new ProtocolError('MP4A-LATM streams without the same time framing are not supported');
  const subFrames = b.bits(6) + 1;
  if (b.bits(4) !== 0 || b.bits(3) !== 0) throw new ProtocolError('MP4A-LATM with several programs or layers is not supported');
  const asc = new BitWriter();
  const copy = (n: number): number => {
    const value = b.bits(n);
    asc.write(value, n);
    return value;
  };
  const objectType = (): number => {
    const type = copy(5);
    if (type === 31) throw new ProtocolError('MP4A-LATM escaped audio object type is not supported');
    return type;
  };
  const sampleRate = (): void => {
    if (copy(4) === 15) copy(24);
  };
  let type = objectType();
  sampleRate();
  copy(4); // channelConfiguration
  if (type === SBR || type === PS) {
    sampleRate();
    type = objectType();
  }
  if (!GA_OBJECT_TYPES.has(type)) throw new ProtocolError(`MP4A-LATM audio object type ${type} is not supported`);
  copy(1); // frameLengthFlag
  if (copy(1) === 1) throw new ProtocolError('MP4A-LATM dependsOnCoreCoder is not supported');
  if (copy(1) === 1) throw new ProtocolError('MP4A-LATM GASpecificConfig extension is not supported');
  // Backward-compatible SBR signalling (FFmpeg's encoder writes it): kept in the ASC.
  if (peek(11) === SYNC_EXTENSION) {
    copy(11);
    if (objectType() === SBR && copy(1) === 1) sampleRate();
  }
  if (b.bits(3) !== 0) throw new ProtocolError('MP4A-LATM frameLengthType other than 0 is not supported');
  return { asc: asc.bytes(), subFrames };
}

/**
 * Rebuilds AAC frames from MP4A-LATM RTP packets (RFC 6416, cpresent=0): an audioMuxElement
 * may span packets (the marker ends it); each of its subframes is a PayloadLengthInfo (bytes of
 * 255 summed) then that many bytes of raw AAC. An element with a gap is dropped.
 */
export class LatmDepacketizer {
  private parts: Buffer[] = [];
  private size = 0;
  private timestamp: number | undefined;
  /** Dropping the rest of an element whose start was lost. */
  private skipping = false;

  constructor(private readonly config: LatmConfig) {}

  push(packet: RtpPacket, gap: boolean): AudioUnit[] {
    const sameElement = this.timestamp !== undefined && timestampDelta(packet.timestamp, this.timestamp) === 0;
    if (gap || !sameElement) {
      this.reset();
      // After a gap, a packet of the element already under way lost part of that element.
      this.skipping = gap && sameElement;
    }
    this.timestamp = packet.timestamp;
    if (this.skipping) {
      this.skipping = !packet.marker;
      return [];
    }
    this.parts.push(packet.payload);
    this.size += packet.payload.length;
    if (this.size > MAX_ELEMENT_BYTES) {
      this.reset();
      this.skipping = !packet.marker;
      throw new ProtocolError(`MP4A-LATM element over ${MAX_ELEMENT_BYTES} bytes`);
    }
    if (!packet.marker) return [];
    const element = Buffer.concat(this.parts);
    this.reset();
    return this.frames(element, packet.timestamp);
  }

  private reset(): void {
    this.parts = [];
    this.size = 0;
  }

  private frames(element: Buffer, timestamp: number): AudioUnit[] {
    const units: AudioUnit[] = [];
    let at = 0;
    for (let i = 0; i < this.config.subFrames && at < element.length; i++) {
      let length = 0;
      let byte: number;
      do {
        byte = element[at++] ?? -1;
        if (byte < 0) throw new ProtocolError('MP4A-LATM payload length runs past the packet');
        length += byte;
      } while (byte === 255);
      if (at + length > element.length) throw new ProtocolError(`MP4A-LATM frame of ${length} bytes overruns the packet`);
      units.push({ data: Buffer.from(element.subarray(at, at + length)), timestamp: (timestamp + i * AAC_FRAME_SAMPLES) >>> 0 });
      at += length;
    }
    return units;
  }
}
