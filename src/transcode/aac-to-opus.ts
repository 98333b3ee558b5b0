import { AAC_SAMPLE_RATES } from '../codecs/aac.js';
import { adtsHeader, readAdtsConfig } from '../codecs/adts.js';
import { opusPacketSamples } from '../codecs/opus.js';
import { OggPacketReader } from './ogg.js';
import { PipeTranscoder } from './pipe-transcoder.js';
import type { AacToOpusOptions, AudioTranscoder } from './types.js';

const AAC_SAMPLES = 1024;
const OPUS_RATE = 48000;
const HEADERS = [Buffer.from('OpusHead'), Buffer.from('OpusTags')];

/** ffmpeg reading ADTS on stdin and writing Ogg Opus on stdout, a page per packet, without buffering. */
export function aacToOpusArgs(channels: number): string[] {
  return [
    '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'warning',
    '-fflags', 'nobuffer', '-probesize', '32', '-analyzeduration', '0',
    '-f', 'aac', '-i', 'pipe:0',
    '-map', '0:a:0', '-c:a', 'libopus', '-application', 'lowdelay', '-frame_duration', '20',
    '-b:a', channels === 1 ? '48k' : '64k', '-ar', String(OPUS_RATE), '-ac', String(channels),
    '-flush_packets', '1', '-page_duration', '20000', '-f', 'ogg', 'pipe:1',
  ];
}

/**
 * AAC access units in, 20 ms Opus packets (48 kHz) out, through one supervised ffmpeg child.
 * Mono stays mono; more than two channels are mixed down to stereo (what WebRTC carries).
 * Throws a ProtocolError for an AudioSpecificConfig that ADTS cannot carry (an explicit rate).
 */
export function createAacToOpus(options: AacToOpusOptions): AudioTranscoder {
  const config = readAdtsConfig(options.audioSpecificConfig);
  const rate = AAC_SAMPLE_RATES[config.samplingIndex] ?? OPUS_RATE;
  const channels = config.channelConfig === 1 ? 1 : 2;
  return new PipeTranscoder(
    {
      args: aacToOpusArgs(channels),
      open: () => undefined,
      frame: (packet) => ({ bytes: Buffer.concat([adtsHeader(config, packet.data.length), packet.data]), seconds: AAC_SAMPLES / rate }),
      reader: (emit) =>
        new OggPacketReader((packet) => {
          if (HEADERS.some((magic) => packet.subarray(0, 8).equals(magic))) return;
          emit(packet, opusPacketSamples(packet) / OPUS_RATE);
        }),
    },
    options,
  );
}
