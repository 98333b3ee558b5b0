import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAvcConfig, parseAvcSps } from '../../../src/codecs/avc.js';
import { ProtocolError } from '../../../src/util/errors.js';
import { BitWriter, avcc, escapeRbsp, fixture } from './helpers.js';

test('x264 High 1920x1080 (coded 1088, cropped 8 rows)', () => {
  assert.deepEqual(parseAvcConfig(fixture('h264-high-1920x1080.avcc')), {
    codec: 'H264',
    profile: 'High',
    level: '4',
    width: 1920,
    height: 1080,
  });
});

test('x264 High 4:2:2 10-bit: chroma_format_idc 2 crops in single rows', () => {
  assert.deepEqual(parseAvcConfig(fixture('h264-high422-1920x1080.avcc')), {
    codec: 'H264',
    profile: 'High 4:2:2',
    level: '4',
    width: 1920,
    height: 1080,
  });
});

test('x264 interlaced: map units are field pairs, crop unit doubles', () => {
  const info = parseAvcConfig(fixture('h264-interlaced-1920x1080.avcc'));
  assert.equal(info.width, 1920);
  assert.equal(info.height, 1080);
});

test('x264 Constrained Baseline 640x360', () => {
  assert.deepEqual(parseAvcConfig(fixture('h264-baseline-640x360.avcc')), {
    codec: 'H264',
    profile: 'Constrained Baseline',
    level: '3',
    width: 640,
    height: 360,
  });
});

/** A High-profile SPS exercising scaling lists, POC type 1 and cropping. */
function handMadeSps(options: { chromaFormatIdc: number; cropBottom: number; hugeOffset: boolean }): Buffer {
  const w = new BitWriter()
    .u(8, 100) // profile_idc: High
    .u(8, 0)
    .u(8, 31) // level 3.1
    .ue(0) // seq_parameter_set_id
    .ue(options.chromaFormatIdc);
  if (options.chromaFormatIdc === 3) w.flag(false); // separate_colour_plane_flag
  w.ue(0).ue(0).flag(false); // bit depths, qpprime_y_zero_transform_bypass_flag
  w.flag(true); // seq_scaling_matrix_present_flag
  const lists = options.chromaFormatIdc === 3 ? 12 : 8;
  for (let i = 0; i < lists; i++) {
    const present = i === 0 || i === 6 || i === 7;
    w.flag(present);
    if (i === 0) for (let j = 0; j < 16; j++) w.se(j % 2 ? 3 : -2);
    if (i === 6) for (let j = 0; j < 64; j++) w.se(j === 0 ? 5 : 1);
    if (i === 7) w.se(-8); // nextScale 0 on the first entry: "use the default list", stop reading
  }
  w.ue(0); // log2_max_frame_num_minus4
  w.ue(1); // pic_order_cnt_type 1
  w.flag(false);
  w.se(options.hugeOffset ? -(2 ** 22) : -1); // 23 zero bits: forces emulation prevention
  w.se(2);
  w.ue(2).se(1).se(-3); // num_ref_frames_in_pic_order_cnt_cycle and offsets
  w.ue(4).flag(false); // max_num_ref_frames, gaps
  w.ue(119).ue(67); // 120 x 68 macroblocks: 1920x1088
  w.flag(true).flag(true); // frame_mbs_only_flag, direct_8x8_inference_flag
  w.flag(true).ue(0).ue(0).ue(0).ue(options.cropBottom);
  w.flag(false); // vui_parameters_present_flag
  return Buffer.concat([Buffer.from([0x67]), escapeRbsp(w.rbsp())]);
}

test('hand-made SPS with scaling lists and POC type 1, cropped from 1088 to 1080', () => {
  const sps = handMadeSps({ chromaFormatIdc: 1, cropBottom: 4, hugeOffset: false });
  assert.deepEqual(parseAvcConfig(avcc(sps)), {
    codec: 'H264',
    profile: 'High',
    level: '3.1',
    width: 1920,
    height: 1080,
  });
});

test('4:4:4 SPS reads twelve scaling-list flags and crops in luma rows', () => {
  const sps = handMadeSps({ chromaFormatIdc: 3, cropBottom: 8, hugeOffset: false });
  assert.equal(parseAvcSps(sps).height, 1080);
});

test('emulation-prevention bytes are removed before parsing', () => {
  const sps = handMadeSps({ chromaFormatIdc: 1, cropBottom: 4, hugeOffset: true });
  assert.ok(sps.includes(Buffer.from([0, 0, 3])), 'the SPS should need escaping');
  assert.deepEqual([parseAvcSps(sps).width, parseAvcSps(sps).height], [1920, 1080]);
});

test('level 1b is recognised in both encodings', () => {
  const sps = (profile: number, flags: number, level: number) => {
    const w = new BitWriter().u(8, profile).u(8, flags).u(8, level).ue(0);
    if (profile === 100) w.ue(1).ue(0).ue(0).flag(false).flag(false); // 4:2:0, 8-bit, no matrices
    w.ue(0).ue(0).ue(0).ue(1).flag(false); // frame_num, POC type 0 and its lsb size, refs, gaps
    w.ue(19).ue(14).flag(true).flag(true).flag(false); // 320x240 progressive, uncropped
    return Buffer.concat([Buffer.from([0x67]), w.rbsp()]);
  };
  assert.equal(parseAvcConfig(avcc(sps(66, 0x10, 11))).level, '1b');
  assert.equal(parseAvcConfig(avcc(sps(77, 0x00, 11))).level, '1.1');
  assert.equal(parseAvcConfig(avcc(sps(100, 0x00, 9))).level, '1b');
});

test('bad records and SPSs throw ProtocolError', () => {
  const good = fixture('h264-high-1920x1080.avcc');
  const noSps = Buffer.from(good);
  noSps[5] = 0xe0;
  assert.throws(() => parseAvcConfig(noSps), ProtocolError);
  assert.throws(() => parseAvcConfig(Buffer.concat([Buffer.from([2]), good.subarray(1)])), ProtocolError);
  const spsEnd = 8 + good.readUInt16BE(6);
  for (let n = 0; n < spsEnd; n++) {
    assert.throws(() => parseAvcConfig(good.subarray(0, n)), ProtocolError, `truncated at ${n}`);
  }
  assert.throws(() => parseAvcSps(Buffer.from([0x68, 1, 2, 3])), ProtocolError);
  // Cropping more than the picture holds.
  const overCropped = handMadeSps({ chromaFormatIdc: 1, cropBottom: 600, hugeOffset: false });
  assert.throws(() => parseAvcSps(overCropped), ProtocolError);
});
