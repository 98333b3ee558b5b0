// Builders for hand-made bitstreams and tag bodies used by the codec tests.
import { readFileSync } from 'node:fs';

export function fixture(name: string): Buffer {
  return readFileSync(new URL(`../../fixtures/${name}`, import.meta.url));
}

/** MSB-first bit writer with Exp-Golomb codes, the mirror of src/codecs/bitreader.ts. */
export class BitWriter {
  private readonly bitList: number[] = [];

  u(n: number, value: number): this {
    for (let i = n - 1; i >= 0; i--) this.bitList.push(Math.floor(value / 2 ** i) % 2);
    return this;
  }

  flag(on: boolean): this {
    return this.u(1, on ? 1 : 0);
  }

  ue(value: number): this {
    const len = (value + 1).toString(2).length;
    return this.u(len - 1, 0).u(len, value + 1);
  }

  se(value: number): this {
    return this.ue(value > 0 ? 2 * value - 1 : -2 * value);
  }

  /** Bytes so far, padded with zero bits. */
  bytes(): Buffer {
    const out = Buffer.alloc(Math.ceil(this.bitList.length / 8));
    this.bitList.forEach((bit, i) => {
      out[i >> 3]! |= bit << (7 - (i & 7));
    });
    return out;
  }

  /** Appends rbsp_trailing_bits and returns the RBSP. */
  rbsp(): Buffer {
    this.u(1, 1);
    return this.bytes();
  }
}

/** Inserts emulation-prevention bytes, turning an RBSP into NAL payload bytes. */
export function escapeRbsp(rbsp: Uint8Array): Buffer {
  const out: number[] = [];
  let zeros = 0;
  for (const byte of rbsp) {
    if (zeros >= 2 && byte <= 3) {
      out.push(3);
      zeros = 0;
    }
    out.push(byte);
    zeros = byte === 0 ? zeros + 1 : 0;
  }
  return Buffer.from(out);
}

/** An AVCDecoderConfigurationRecord holding one SPS and one dummy PPS. */
export function avcc(sps: Buffer): Buffer {
  const pps = Buffer.from([0x68, 0xce, 0x3c, 0x80]);
  const len = (b: Buffer) => Buffer.from([b.length >> 8, b.length & 0xff]);
  return Buffer.concat([
    Buffer.from([1, sps[1]!, sps[2]!, sps[3]!, 0xff, 0xe1]),
    len(sps),
    sps,
    Buffer.from([1]),
    len(pps),
    pps,
  ]);
}

/** Enhanced-RTMP video tag body: [IsExHeader | FrameType | PacketType] FourCC payload. */
export function exVideo(frameType: number, packetType: number, fourcc: string, payload?: Buffer): Buffer {
  const first = Buffer.from([0x80 | (frameType << 4) | packetType]);
  return Buffer.concat([first, Buffer.from(fourcc, 'latin1'), payload ?? Buffer.alloc(0)]);
}

/** Enhanced-RTMP audio tag body: [SoundFormat 9 | PacketType] FourCC payload. */
export function exAudio(packetType: number, fourcc: string, payload?: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x90 | packetType]), Buffer.from(fourcc, 'latin1'), payload ?? Buffer.alloc(0)]);
}

/** Legacy AVC/HEVC video tag body: [FrameType | CodecID] AVCPacketType CompositionTime payload. */
export function legacyVideo(frameType: number, codecId: number, packetType: number, payload?: Buffer): Buffer {
  const header = Buffer.from([(frameType << 4) | codecId, packetType, 0, 0, 0]);
  return Buffer.concat([header, payload ?? Buffer.alloc(0)]);
}

/** An Opus identification header (RFC 7845 5.1). */
export function opusHead(channels: number, inputRate: number): Buffer {
  const head = Buffer.alloc(19);
  head.write('OpusHead', 0, 'latin1');
  head[8] = 1; // version
  head[9] = channels;
  head.writeUInt16LE(312, 10); // pre-skip
  head.writeUInt32LE(inputRate, 12);
  return head;
}
