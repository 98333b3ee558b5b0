import { readAdtsFrame } from '../codecs/adts.js';

/** Splits ADTS from a byte stream into raw AAC frames, skipping bytes out of sync. */
export class AdtsReader {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly onFrame: (data: Buffer) => void) {}

  push(chunk: Buffer): void {
    const data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let at = 0;
    while (data.length - at >= 7) {
      const frame = readAdtsFrame(data, at);
      if (frame) {
        if (frame.blocks === 1) this.onFrame(Buffer.from(data.subarray(frame.dataOffset, frame.end)));
        at = frame.end;
        continue;
      }
      if (cutShort(data, at)) break;
      at++; // out of sync
    }
    this.pending = Buffer.from(data.subarray(at));
  }
}

/** A valid ADTS header whose frame has not fully arrived yet. */
function cutShort(data: Buffer, at: number): boolean {
  if (data[at] !== 0xff || (data[at + 1]! & 0xf6) !== 0xf0) return false;
  const frameLength = ((data[at + 3]! & 0x03) << 11) | (data[at + 4]! << 3) | (data[at + 5]! >> 5);
  const headerLength = data[at + 1]! & 0x01 ? 7 : 9;
  return frameLength > headerLength && at + frameLength > data.length;
}
