import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { adtsHeader, audioSpecificConfig, readAdtsFrame } from '../../../src/codecs/adts.js';
import { readAvcNalConfig, splitAnnexB } from '../../../src/codecs/annexb.js';
import { mpegAudioFrameSize } from '../../../src/codecs/mp3.js';
import { opusHead, opusPacketSamples, parseOpusHead } from '../../../src/codecs/opus.js';
import { avcDecoderConfigurationRecord } from '../../../src/codecs/records.js';
import { readOpusAccessUnit } from '../../../src/formats/mpegts/opus-units.js';
import { ProtocolError } from '../../../src/util/errors.js';

const hex = (b: Buffer[]) => b.map((x) => x.toString('hex'));

test('Annex B splits on 3- and 4-byte start codes, dropping leading bytes and trailing zeros', () => {
  const data = Buffer.from([9, 9, 0, 0, 0, 1, 0x67, 1, 0, 0, 0, 0, 1, 0x68, 2, 0, 0, 1, 0x65, 0, 3, 0, 0]);
  assert.deepEqual(hex(splitAnnexB(data)), ['6701', '6802', '650003']);
  assert.deepEqual(splitAnnexB(Buffer.from([1, 2, 3])), []);
  const many = Buffer.concat(Array.from({ length: 10 }, () => Buffer.from([0, 0, 1, 0x41])));
  assert.equal(splitAnnexB(many, 10).length, 10);
  assert.throws(() => splitAnnexB(many, 9), ProtocolError);
});

test('ADTS frames: header with or without CRC, configuration back to an AudioSpecificConfig', () => {
  const config = { profile: 1, samplingIndex: 4, channelConfig: 2 };
  const frame = Buffer.concat([adtsHeader(config, 5), Buffer.from([1, 2, 3, 4, 5])]);
  assert.deepEqual(readAdtsFrame(frame, 0), { config, dataOffset: 7, end: 12, blocks: 1 });
  assert.deepEqual([...audioSpecificConfig(config)], [0x12, 0x10]);
  const withCrc = Buffer.from(frame);
  withCrc[1] = 0xf0; // protection_absent 0: a 2-byte CRC follows the header
  assert.equal(readAdtsFrame(withCrc, 0)?.dataOffset, 9);
  assert.equal(readAdtsFrame(frame.subarray(0, 11), 0), undefined, 'cut short');
  assert.equal(readAdtsFrame(Buffer.from([0xff, 0xf7, 0x50, 0x80, 1, 0x9f, 0xfc]), 0), undefined, 'layer is not 0');
});

test('MPEG audio frame sizes and sample counts by version and layer', () => {
  assert.deepEqual(mpegAudioFrameSize(Buffer.from([0xff, 0xfb, 0x90, 0x64])), { length: 417, samples: 1152 });
  assert.deepEqual(mpegAudioFrameSize(Buffer.from([0xff, 0xfb, 0x92, 0x64])), { length: 418, samples: 1152 }, 'padding');
  assert.deepEqual(mpegAudioFrameSize(Buffer.from([0xff, 0xf3, 0x80, 0xc4])), { length: 208, samples: 576 }, 'MPEG-2 64 kbit/s 22.05 kHz');
  assert.deepEqual(mpegAudioFrameSize(Buffer.from([0xff, 0xfd, 0x80, 0x04])), { length: 417, samples: 1152 }, 'layer II 128 kbit/s');
  assert.equal(mpegAudioFrameSize(Buffer.from([0xff, 0xfb, 0x00, 0x64])), undefined, 'free format');
  assert.throws(() => mpegAudioFrameSize(Buffer.from([0xff, 0xeb, 0x90, 0x64])), ProtocolError);
});

test('Opus: packet durations from the TOC byte, access units, and the OpusHead made for them', () => {
  assert.equal(opusPacketSamples(Buffer.from([0xfc])), 960, 'CELT 20 ms, one frame');
  assert.equal(opusPacketSamples(Buffer.from([0x09])), 1920, 'SILK 20 ms, two frames');
  assert.equal(opusPacketSamples(Buffer.from([0xf3, 0x03])), 480 * 3, 'CELT 10 ms, code 3 with three frames');
  assert.equal(opusPacketSamples(Buffer.alloc(0)), 0);
  const units = Buffer.from([0x7f, 0xe0, 2, 0xfc, 1, 0x7f, 0xf8, 1, 0, 1, 0, 2, 0xfc, 0x7f, 0xe0, 0xff, 1]);
  assert.deepEqual(readOpusAccessUnit(units, 0), { packet: Buffer.from([0xfc, 1]), end: 5 });
  assert.deepEqual(readOpusAccessUnit(units, 5), { packet: Buffer.from([0xfc]), end: 13 }, 'with start and end trims');
  assert.equal(readOpusAccessUnit(units, 13), undefined, 'au_size 256 overruns');
  assert.deepEqual(parseOpusHead(opusHead(1, 312)), { codec: 'Opus', sampleRate: 48000, channels: 1 });
});

test('an AVC record rebuilt from its own SPS and PPS is the same record; a non-SPS is refused', () => {
  for (const name of ['h264-baseline-640x360.avcc', 'h264-high-1920x1080.avcc']) {
    const record = readFileSync(new URL(`../../fixtures/${name}`, import.meta.url));
    const [sps, pps] = readAvcNalConfig(record).parameterSets;
    assert.equal(avcDecoderConfigurationRecord([sps!], [pps!]).toString('hex'), record.toString('hex'), name);
  }
  assert.throws(() => avcDecoderConfigurationRecord([Buffer.from([0x68, 1, 2, 3])], [Buffer.from([0x68])]), ProtocolError);
  assert.throws(() => avcDecoderConfigurationRecord([], [Buffer.from([0x68])]), ProtocolError);
});
