import { splitAnnexB, type NalCodec } from '../../codecs/annexb.js';
import { avcDecoderConfigurationRecord, hevcDecoderConfigurationRecord } from '../../codecs/records.js';
import type { MediaFrame } from '../../media/frame.js';

/** How one codec's NAL units are told apart. */
interface NalRules {
  type(nal: Buffer): number;
  /** NAL types that are parameter sets, in record order (VPS, SPS, PPS / SPS, PPS). */
  parameterSets: readonly number[];
  /** Types dropped from frames: access unit delimiters, filler data, end of sequence/stream. */
  dropped: ReadonlySet<number>;
  keyframe(type: number): boolean;
  record(sets: readonly Buffer[][]): Buffer;
}

const RULES: Record<NalCodec, NalRules> = {
  H264: {
    type: (nal) => nal[0]! & 0x1f,
    parameterSets: [7, 8],
    dropped: new Set([9, 10, 11, 12]),
    keyframe: (type) => type === 5,
    record: ([sps, pps]) => avcDecoderConfigurationRecord(sps!, pps!),
  },
  HEVC: {
    type: (nal) => (nal[0]! >> 1) & 0x3f,
    parameterSets: [32, 33, 34],
    dropped: new Set([35, 36, 37, 38]),
    keyframe: (type) => type >= 16 && type <= 23, // IRAP: BLA, IDR, CRA
    record: ([vps, sps, pps]) => hevcDecoderConfigurationRecord(vps!, sps!, pps!),
  },
};

const FOURCC_HEVC = Buffer.from('hvc1');
/** Far more NAL units than any encoder puts in one picture (slices, SEI, parameter sets). */
const MAX_NALUS = 4096;
const MAX_CTS = 0x7fffff;

/**
 * Turns Annex B access units of one H.264 or H.265 track into hub frames: parameter sets go
 * into a decoder configuration record (a new sequence header frame whenever they change), the
 * other NAL units into AVCC with 4-byte lengths. H.264 uses the FLV AVC tag layout, H.265 the
 * Enhanced RTMP one (FourCC hvc1). Codec helpers throw ProtocolError on bad parameter sets.
 */
export class VideoTrack {
  private readonly rules: NalRules;
  /** The parameter sets in force, by kind, and the record made from them. */
  private sets: Buffer[][];
  private record: Buffer | undefined;
  /** Frames wait for a keyframe at the start and after lost data. */
  private needKeyframe = true;

  constructor(readonly codec: NalCodec) {
    this.rules = RULES[codec];
    this.sets = this.rules.parameterSets.map(() => []);
  }

  /** Makes the next frames wait for a keyframe: the ones before it would not decode. */
  lostData(): void {
    this.needKeyframe = true;
  }

  /** The frames for one access unit: a sequence header first if the parameter sets changed. */
  frames(annexB: Buffer, timestamp: number, cts: number): MediaFrame[] {
    return this.framesOf(splitAnnexB(annexB, MAX_NALUS), timestamp, cts);
  }

  /** The same from an access unit's NAL units (as RTP carries them). */
  framesOf(units: readonly Buffer[], timestamp: number, cts: number): MediaFrame[] {
    const found: Buffer[][] = this.rules.parameterSets.map(() => []);
    const nalus: Buffer[] = [];
    let keyframe = false;
    for (const nal of units) {
      const type = this.rules.type(nal);
      const set = this.rules.parameterSets.indexOf(type);
      if (set >= 0) found[set]!.push(nal);
      else if (!this.rules.dropped.has(type)) nalus.push(nal);
      keyframe ||= this.rules.keyframe(type);
    }
    const out: MediaFrame[] = [];
    const header = this.updateSets(found, timestamp);
    if (header) out.push(header);
    if (nalus.length === 0 || !this.record) return out;
    if (this.needKeyframe && !keyframe) return out;
    this.needKeyframe = false;
    out.push({ kind: 'video', timestamp, body: this.codedBody(nalus, keyframe, cts), keyframe, sequenceHeader: false });
    return out;
  }

  /** Takes in-band parameter sets; returns a sequence header frame when the record changes. */
  private updateSets(found: Buffer[][], timestamp: number): MediaFrame | undefined {
    if (found.every((sets) => sets.length === 0)) return undefined;
    // Copied: the units are views of memory the caller reuses (a demuxer's PES buffer).
    const next = this.sets.map((current, i) => (found[i]!.length > 0 ? found[i]!.map((set) => Buffer.from(set)) : current));
    this.sets = next;
    if (next.some((sets) => sets.length === 0)) return undefined; // wait for the missing kinds
    const record = this.rules.record(next);
    if (this.record?.equals(record)) return undefined;
    this.record = record;
    return { kind: 'video', timestamp, body: Buffer.concat([this.tagHeader(1, 0), record]), keyframe: false, sequenceHeader: true };
  }

  private codedBody(nalus: Buffer[], keyframe: boolean, cts: number): Buffer {
    const header = this.tagHeader(keyframe ? 1 : 2, 1);
    header.writeIntBE(Math.max(-MAX_CTS, Math.min(MAX_CTS, cts)), header.length - 3, 3);
    const body = Buffer.allocUnsafe(nalus.reduce((sum, nal) => sum + 4 + nal.length, header.length));
    let at = header.copy(body);
    for (const nal of nalus) {
      at = body.writeUInt32BE(nal.length, at);
      at += nal.copy(body, at);
    }
    return body;
  }

  /**
   * The tag header: FLV AVC (frame type, codec 7, packet type, CTS) or Enhanced RTMP (ExHeader,
   * frame type, packet type, FourCC, then CTS for coded frames). The CTS is left at zero.
   */
  private tagHeader(frameType: 1 | 2, packetType: 0 | 1): Buffer {
    if (this.codec === 'H264') return Buffer.from([(frameType << 4) | 7, packetType, 0, 0, 0]);
    const cts = Buffer.alloc(packetType === 1 ? 3 : 0);
    return Buffer.concat([Buffer.from([0x80 | (frameType << 4) | packetType]), FOURCC_HEVC, cts]);
  }
}
