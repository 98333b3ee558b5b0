import { audioSpecificConfig, readAdtsFrame } from '../codecs/adts.js';
import { opusHead, opusPacketSamples } from '../codecs/opus.js';
import { oggPage } from './ogg.js';
import { PipeTranscoder } from './pipe-transcoder.js';
import type { AudioTranscoder, OpusToAacOptions } from './types.js';

const AAC_SAMPLES = 1024;
const OUTPUT_RATE = 48000;
const SAMPLING_INDEX_48000 = 3;
const BOS = 0x02;
const SERIAL = 0x51c3;

/** ffmpeg reading Ogg Opus on stdin and writing ADTS (AAC-LC, 48 kHz) on stdout, without buffering. */
export function opusToAacArgs(channels: number): string[] {
  return [
    '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'warning',
    '-fflags', 'nobuffer', '-probesize', '32', '-analyzeduration', '0',
    '-f', 'ogg', '-i', 'pipe:0',
    '-map', '0:a:0', '-c:a', 'aac', '-b:a', channels === 1 ? '64k' : '128k', '-ar', String(OUTPUT_RATE), '-ac', String(channels),
    '-flush_packets', '1', '-f', 'adts', 'pipe:1',
  ];
}

/**
 * Opus packets in, AAC-LC access units (48 kHz) out, through one supervised ffmpeg child.
 * The input is framed as Ogg: a page per packet, its granule position counting samples.
 */
export function createOpusToAac(options: OpusToAacOptions): AudioTranscoder {
  const { channels } = options;
  let sequence = 0;
  let granule = 0n;
  const page = (headerType: number, packet: Buffer): Buffer => oggPage({ headerType, granule, serial: SERIAL, sequence: sequence++, packet });
  return new PipeTranscoder(
    {
      args: opusToAacArgs(channels),
      open: () => {
        sequence = 0;
        granule = 0n;
        return Buffer.concat([page(BOS, opusHead(channels, 0)), page(0, opusTags())]);
      },
      frame: (packet) => {
        const samples = opusPacketSamples(packet.data);
        if (samples === 0) return undefined;
        granule += BigInt(samples);
        return { bytes: page(0, packet.data), seconds: samples / OUTPUT_RATE };
      },
      reader: (emit) => new AdtsReader((data) => emit(data, AAC_SAMPLES / OUTPUT_RATE)),
    },
    { ...options, outputConfig: audioSpecificConfig({ profile: 1, samplingIndex: SAMPLING_INDEX_48000, channelConfig: channels }) },
  );
}

/** OpusTags (RFC 7845 5.2): a vendor string and no comments. */
function opusTags(): Buffer {
  const vendor = Buffer.from('sluice');
  const tags = Buffer.alloc(8 + 4 + vendor.length + 4);
  tags.write('OpusTags', 0, 'latin1');
  tags.writeUInt32LE(vendor.length, 8);
  vendor.copy(tags, 12);
  return tags;
}

/** Splits ADTS from a byte stream into raw AAC frames, skipping bytes out of sync. */
class AdtsReader {
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
  return frameLength > 9 && at + frameLength > data.length;
}
