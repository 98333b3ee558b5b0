import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHevcConfig, parseHevcSps } from '../../../src/codecs/hevc.js';
import { ProtocolError } from '../../../src/util/errors.js';
import { fixture } from './helpers.js';

test('x265 Main 1920x1080: conformance window crops 1088 to 1080', () => {
  assert.deepEqual(parseHevcConfig(fixture('hevc-main-1920x1080.hvcc')), {
    codec: 'HEVC',
    profile: 'Main',
    level: '4',
    width: 1920,
    height: 1080,
  });
});

test('x265 Rext 4:2:2 with a temporal sub-layer: crop units are 2 wide, 1 high', () => {
  assert.deepEqual(parseHevcConfig(fixture('hevc-rext422-642x362.hvcc')), {
    codec: 'HEVC',
    profile: 'Rext',
    level: '2.1',
    width: 642,
    height: 362,
  });
});

test('bad records and SPSs throw ProtocolError', () => {
  const good = fixture('hevc-main-1920x1080.hvcc');
  for (let n = 0; n < 40; n++) {
    assert.throws(() => parseHevcConfig(good.subarray(0, n)), ProtocolError, `truncated at ${n}`);
  }
  const noArrays = Buffer.from(good.subarray(0, 23));
  noArrays[22] = 0;
  assert.throws(() => parseHevcConfig(noArrays), /no SPS/);
  assert.throws(() => parseHevcConfig(Buffer.concat([Buffer.from([0]), good.subarray(1)])), ProtocolError);
  // A VPS (type 32) is not an SPS.
  assert.throws(() => parseHevcSps(Buffer.from([0x40, 0x01, 0x0c, 0x01])), ProtocolError);
  // An SPS cut right after its header.
  assert.throws(() => parseHevcSps(Buffer.from([0x42, 0x01, 0x01, 0x01])), ProtocolError);
});
