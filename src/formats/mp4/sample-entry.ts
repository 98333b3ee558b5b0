import { box, fullBox, u16, u32, u8, zeros } from './box.js';
import type { Mp4Track } from './track.js';

/** The stsd entry of a track: VisualSampleEntry or AudioSampleEntry with its codec config box. */
export function sampleEntry(track: Mp4Track): Buffer {
  if (track.codec === 'mp4a') return audioEntry(track);
  const configBox = box(track.codec === 'avc1' ? 'avcC' : 'hvcC', track.config);
  return box(
    track.codec,
    zeros(6), // reserved
    u16(1), // data_reference_index
    zeros(16), // pre_defined, reserved, pre_defined[3]
    u16(track.width ?? 0),
    u16(track.height ?? 0),
    u32(0x00480000), // 72 dpi
    u32(0x00480000),
    u32(0), // reserved
    u16(1), // frame_count
    zeros(32), // compressorname
    u16(0x0018), // depth
    u16(0xffff), // pre_defined = -1
    configBox,
  );
}

function audioEntry(track: Mp4Track): Buffer {
  const rate = track.sampleRate ?? 0;
  return box(
    'mp4a',
    zeros(6),
    u16(1), // data_reference_index
    zeros(8), // reserved
    u16(track.channels ?? 2),
    u16(16), // samplesize
    zeros(4), // pre_defined, reserved
    u32(rate < 0x10000 ? rate << 16 : 0), // 16.16; rates above 65535 live in the esds only
    esds(track),
  );
}

// ISO/IEC 14496-1 descriptor tags and the values for AAC audio.
const ES_DESCRIPTOR = 0x03;
const DECODER_CONFIG = 0x04;
const DECODER_SPECIFIC_INFO = 0x05;
const SL_CONFIG = 0x06;
const OBJECT_TYPE_AAC = 0x40; // Audio ISO/IEC 14496-3
const STREAM_TYPE_AUDIO = 0x05;

/** The esds box: ES_Descriptor > DecoderConfigDescriptor > AudioSpecificConfig, + SLConfig. */
export function esds(track: Mp4Track): Buffer {
  const decoderConfig = descriptor(
    DECODER_CONFIG,
    u8(OBJECT_TYPE_AAC),
    u8((STREAM_TYPE_AUDIO << 2) | 1), // upStream 0, reserved 1
    zeros(3), // bufferSizeDB
    u32(0), // maxBitrate
    u32(0), // avgBitrate
    descriptor(DECODER_SPECIFIC_INFO, track.config),
  );
  const es = descriptor(
    ES_DESCRIPTOR,
    u16(track.id), // ES_ID
    u8(0), // no stream dependence, URL or OCR stream
    decoderConfig,
    descriptor(SL_CONFIG, u8(0x02)), // predefined: MP4 file
  );
  return fullBox('esds', 0, 0, es);
}

/** A descriptor: tag, size in 7-bit groups (high bit = more follow), payload. */
function descriptor(tag: number, ...payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload);
  const size: number[] = [body.length & 0x7f];
  for (let rest = body.length >> 7; rest > 0; rest >>= 7) size.unshift(0x80 | (rest & 0x7f));
  return Buffer.concat([Buffer.from([tag, ...size]), body]);
}
