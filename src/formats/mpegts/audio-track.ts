import { AAC_SAMPLE_RATES } from '../../codecs/aac.js';
import { audioSpecificConfig, readAdtsFrame } from '../../codecs/adts.js';
import { mpegAudioFrameSize, readMpegAudioHeader } from '../../codecs/mp3.js';
import { opusHead, opusPacketSamples } from '../../codecs/opus.js';
import type { MediaFrame } from '../../media/frame.js';
import { readOpusAccessUnit } from './opus-units.js';

export type TsAudioInput = 'AAC' | 'MP3' | 'Opus';

/** Maps a 90 kHz timestamp (which may run past 2^33) to the stream's milliseconds. */
export type Clock = (ticks: number) => number;

const AAC_SAMPLES = 1024;
const OPUS_RATE = 48000;
const AAC_HEADER = 0xaf; // SoundFormat 10, 44 kHz, 16-bit, stereo: fixed for AAC
const AAC_CONFIG_TAG = Buffer.from([AAC_HEADER, 0x00]);
const AAC_RAW_TAG = Buffer.from([AAC_HEADER, 0x01]);
const FOURCC_OPUS = Buffer.from('Opus');
const OPUS_RAW_TAG = exAudioHeader(1);

/**
 * Turns the PES payloads of one audio track into hub frames, one per audio frame with
 * timestamps interpolated from the PES's PTS: AAC from ADTS (AudioSpecificConfig from the
 * header, a new sequence header when it changes), MP3 as FLV MP3 and Opus as Enhanced RTMP.
 * Bytes that do not parse are reported and skipped.
 */
export class AudioTrack {
  /** What the sequence header in force says, as a number: a new one is sent when it changes. */
  private configKey: number | undefined;

  constructor(
    readonly codec: TsAudioInput,
    private readonly warn: (message: string) => void,
    private readonly opusChannels: 1 | 2 = 2,
  ) {}

  frames(payload: Buffer, pts: number, clock: Clock): MediaFrame[] {
    if (this.codec === 'AAC') return this.aac(payload, pts, clock);
    if (this.codec === 'MP3') return this.mp3(payload, pts, clock);
    return this.opus(payload, pts, clock);
  }

  private aac(payload: Buffer, pts: number, clock: Clock): MediaFrame[] {
    const out: MediaFrame[] = [];
    let at = 0;
    let samples = 0;
    while (at < payload.length) {
      const adts = readAdtsFrame(payload, at);
      if (!adts) {
        this.warn(`skipped ${payload.length - at} bytes that are not ADTS`);
        break;
      }
      const rate = AAC_SAMPLE_RATES[adts.config.samplingIndex]!;
      const timestamp = clock(pts + Math.round((samples * 90_000) / rate));
      const { profile, samplingIndex, channelConfig } = adts.config;
      this.configured(out, (profile << 8) | (samplingIndex << 4) | channelConfig, timestamp, () => Buffer.concat([AAC_CONFIG_TAG, audioSpecificConfig(adts.config)]));
      if (adts.blocks === 1) out.push(audio(timestamp, AAC_RAW_TAG, payload, adts.dataOffset, adts.end));
      else this.warn('skipped an ADTS frame of several raw data blocks');
      samples += AAC_SAMPLES * adts.blocks;
      at = adts.end;
    }
    return out;
  }

  private mp3(payload: Buffer, pts: number, clock: Clock): MediaFrame[] {
    const out: MediaFrame[] = [];
    let at = 0;
    let ticks = 0;
    while (at + 4 <= payload.length) {
      const frame = payload.subarray(at);
      if (frame[0] !== 0xff || (frame[1]! & 0xe0) !== 0xe0) break;
      const { sampleRate, channels } = readMpegAudioHeader(frame);
      // A free-format frame cannot be measured: it runs to the end of the PES.
      const size = mpegAudioFrameSize(frame) ?? { length: frame.length, samples: 0 };
      if (size.length > frame.length) break;
      out.push(audio(clock(pts + ticks), Buffer.from([flvMp3Header(sampleRate, channels)]), payload, at, at + size.length));
      ticks += Math.round((size.samples * 90_000) / sampleRate);
      at += size.length;
    }
    if (at < payload.length) this.warn(`skipped ${payload.length - at} bytes that are not MPEG audio frames`);
    return out;
  }

  private opus(payload: Buffer, pts: number, clock: Clock): MediaFrame[] {
    const out: MediaFrame[] = [];
    let at = 0;
    let samples = 0;
    while (at < payload.length) {
      const unit = readOpusAccessUnit(payload, at);
      if (!unit) {
        this.warn(`skipped ${payload.length - at} bytes that are not Opus access units`);
        break;
      }
      const timestamp = clock(pts + Math.round((samples * 90_000) / OPUS_RATE));
      // The track's channel count is fixed: one configuration for its life.
      this.configured(out, this.opusChannels, timestamp, () => Buffer.concat([exAudioHeader(0), opusHead(this.opusChannels, 0)]));
      out.push(audio(timestamp, OPUS_RAW_TAG, unit.packet, 0, unit.packet.length));
      samples += opusPacketSamples(unit.packet);
      at = unit.end;
    }
    return out;
  }

  /** Adds a sequence header frame (`body`) when the configuration `key` differs from the one in force. */
  private configured(out: MediaFrame[], key: number, timestamp: number, body: () => Buffer): void {
    if (key === this.configKey) return;
    this.configKey = key;
    out.push({ kind: 'audio', timestamp, body: body(), keyframe: false, sequenceHeader: true });
  }
}

/** An audio frame: the tag header, then `data[from..to]` copied (the PES it lies in is reused). */
function audio(timestamp: number, header: Buffer, data: Buffer, from: number, to: number): MediaFrame {
  const body = Buffer.allocUnsafe(header.length + to - from);
  header.copy(body);
  data.copy(body, header.length, from, to);
  return { kind: 'audio', timestamp, body, keyframe: false, sequenceHeader: false };
}

/** Enhanced RTMP audio: SoundFormat 9 (ExHeader), the packet type, then the FourCC. */
function exAudioHeader(packetType: 0 | 1): Buffer {
  return Buffer.concat([Buffer.from([0x90 | packetType]), FOURCC_OPUS]);
}

/** FLV SoundFormat 2 (MP3) with the nearest FLV rate, 16-bit, and mono or stereo. */
function flvMp3Header(sampleRate: number, channels: number): number {
  const rate = sampleRate >= 44100 ? 3 : sampleRate >= 22050 ? 2 : sampleRate >= 11025 ? 1 : 0;
  return 0x20 | (rate << 2) | 0x02 | (channels === 1 ? 0 : 1);
}
