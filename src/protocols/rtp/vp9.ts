import { ProtocolError } from '../../util/errors.js';
import type { RtpPayload } from './nal-units.js';
import { timestampDelta, type RtpPacket } from './packet.js';

/** The fields of a VP9 payload descriptor (RFC 9628 4.2) that a relay needs. */
export interface Vp9Descriptor {
  /** P: the frame refers to others (a frame without it at its start is a keyframe for its layer). */
  interPredicted: boolean;
  /** B / E: the first / last packet of a frame. */
  start: boolean;
  end: boolean;
  spatialId: number;
  pictureId?: number;
  /** Where the VP9 data starts in the payload. */
  dataOffset: number;
}

/** Reads an RFC 9628 payload descriptor; ProtocolError when it overruns the payload. */
export function readVp9Descriptor(payload: Buffer): Vp9Descriptor {
  let at = 0;
  const byte = (): number => {
    if (at >= payload.length) throw new ProtocolError('truncated VP9 payload descriptor');
    return payload[at++]!;
  };
  const first = byte();
  const [i, p, l, f, b, e, v] = [0x80, 0x40, 0x20, 0x10, 0x08, 0x04, 0x02].map((bit) => (first & bit) !== 0);
  const descriptor: Vp9Descriptor = { interPredicted: p!, start: b!, end: e!, spatialId: 0, dataOffset: 0 };
  if (i) {
    const high = byte();
    descriptor.pictureId = high & 0x80 ? ((high & 0x7f) << 8) | byte() : high;
  }
  if (l) {
    descriptor.spatialId = (byte() >> 1) & 0x07;
    if (!f) byte(); // TL0PICIDX
  }
  if (f && p) {
    // Up to three reference indices, each with N telling whether another follows.
    for (let n = 0; n < 3 && byte() & 0x01; n++);
  }
  if (v) skipScalabilityStructure(byte);
  descriptor.dataOffset = at;
  return descriptor;
}

// The scalability structure (RFC 9628 4.2.1): sizes per spatial layer, then the picture group.
function skipScalabilityStructure(byte: () => number): void {
  const ss = byte();
  const layers = (ss >> 5) + 1;
  if (ss & 0x10) for (let n = 0; n < layers * 4; n++) byte();
  if (ss & 0x08) {
    const pictures = byte();
    for (let n = 0; n < pictures; n++) {
      const refs = (byte() >> 2) & 0x03;
      for (let r = 0; r < refs; r++) byte();
    }
  }
}

/** What the sender knows of one frame. */
export interface Vp9FrameParams {
  keyframe: boolean;
  /** 15-bit picture ID, one more per frame. */
  pictureId: number;
  /** Picture size for the scalability structure sent with keyframes. */
  width?: number;
  height?: number;
}

/**
 * One VP9 frame as RTP payloads (RFC 9628): a descriptor with a 15-bit picture ID in front of
 * each piece, B on the first, E on the last (which also gets the marker), and on keyframes the
 * scalability structure: the picture size, and a picture group of one that refers to the last.
 */
export function packetizeVp9(frame: Buffer, params: Vp9FrameParams, maxPayload: number): RtpPayload[] {
  const ss = params.keyframe && params.width && params.height ? Buffer.from([0x18, params.width >> 8, params.width & 0xff, params.height >> 8, params.height & 0xff, 0x01, 0x04, 0x01]) : undefined;
  const out: RtpPayload[] = [];
  for (let at = 0; at < frame.length || out.length === 0; ) {
    const first = out.length === 0;
    const header = first && ss ? 3 + ss.length : 3;
    const room = maxPayload - header;
    if (room <= 0) throw new ProtocolError('VP9 payload size too small');
    const chunk = frame.subarray(at, Math.min(frame.length, at + room));
    at += chunk.length;
    const last = at >= frame.length;
    const flags = 0x80 | (params.keyframe ? 0 : 0x40) | (first ? 0x08 : 0) | (last ? 0x04 : 0) | (first && ss ? 0x02 : 0);
    const descriptor = Buffer.from([flags, 0x80 | ((params.pictureId >> 8) & 0x7f), params.pictureId & 0xff]);
    out.push({ payload: Buffer.concat(first && ss ? [descriptor, ss, chunk] : [descriptor, chunk]), marker: last });
  }
  return out;
}

/** One VP9 frame rebuilt from RTP, with its RTP timestamp. */
export interface Vp9Frame {
  data: Buffer;
  timestamp: number;
  keyframe: boolean;
}

const MAX_FRAME_BYTES = 16 * 1024 * 1024;

/**
 * Rebuilds VP9 frames of the base spatial layer from RTP packets in sequence order: a frame runs
 * from the packet with B to the one with E. A frame with a gap in it or a payload that does not
 * parse is dropped whole and counted (`malformed` for the latter); `lost()` tells the caller to
 * wait for a keyframe. Higher spatial layers are left out (`layersDropped`).
 */
export class Vp9Depacketizer {
  private parts: Buffer[] | undefined;
  private bytes = 0;
  private timestamp = 0;
  private keyframe = false;
  private damaged = false;
  malformed = 0;
  layersDropped = 0;

  lost(): boolean {
    const damaged = this.damaged;
    this.damaged = false;
    return damaged;
  }

  push(packet: RtpPacket, gap: boolean): Vp9Frame[] {
    if (this.parts && (gap || timestampDelta(packet.timestamp, this.timestamp) !== 0)) this.drop();
    else if (gap) this.damaged = true;
    let descriptor: Vp9Descriptor;
    try {
      descriptor = readVp9Descriptor(packet.payload);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.malformed++;
      if (this.parts) this.drop();
      this.damaged = true;
      return [];
    }
    if (descriptor.spatialId > 0) {
      if (descriptor.start) this.layersDropped++;
      return [];
    }
    if (descriptor.start) {
      if (this.parts) this.drop();
      this.parts = [];
      this.bytes = 0;
      this.timestamp = packet.timestamp;
      this.keyframe = !descriptor.interPredicted;
    } else if (!this.parts) {
      return []; // its start was lost
    }
    const data = packet.payload.subarray(descriptor.dataOffset);
    this.bytes += data.length;
    if (this.bytes > MAX_FRAME_BYTES) {
      this.malformed++;
      this.drop();
      return [];
    }
    this.parts.push(data);
    if (!descriptor.end) return [];
    const frame = { data: Buffer.concat(this.parts), timestamp: this.timestamp, keyframe: this.keyframe };
    this.parts = undefined;
    return frame.data.length > 0 ? [frame] : [];
  }

  private drop(): void {
    this.parts = undefined;
    this.damaged = true;
  }
}
