import type { MediaFrame } from '../../../src/media/frame.js';

// H.264 as a publisher hands it to the hub: FLV video tag bodies (AVCC).
export const SPS = Buffer.from('6742c01edb02800bfe5c04400000030040000007a3c58b9a', 'hex');
export const PPS = Buffer.from('68ce3c80', 'hex');

/** An FLV AVC sequence header (AVCDecoderConfigurationRecord) for SPS/PPS. */
export function sequenceHeader(): MediaFrame {
  const record = Buffer.concat([Buffer.from([1, SPS[1]!, SPS[2]!, SPS[3]!, 0xff, 0xe1, 0, SPS.length]), SPS, Buffer.from([1, 0, PPS.length]), PPS]);
  return { kind: 'video', timestamp: 0, body: Buffer.concat([Buffer.from([0x17, 0, 0, 0, 0]), record]), keyframe: true, sequenceHeader: true };
}

/** A picture of `nalus`, AVCC with 4-byte lengths. */
export function picture(timestamp: number, keyframe: boolean, nalus: Buffer[], cts = 0): MediaFrame {
  const avcc = Buffer.concat(nalus.flatMap((nal) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(nal.length);
    return [length, nal];
  }));
  const header = Buffer.from([keyframe ? 0x17 : 0x27, 1, (cts >> 16) & 0xff, (cts >> 8) & 0xff, cts & 0xff]);
  return { kind: 'video', timestamp, body: Buffer.concat([header, avcc]), keyframe, sequenceHeader: false };
}
