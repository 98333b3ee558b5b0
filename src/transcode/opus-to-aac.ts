import { audioSpecificConfig } from '../codecs/adts.js';
import { opusHead, opusPacketSamples } from '../codecs/opus.js';
import { AdtsReader } from './adts-reader.js';
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
