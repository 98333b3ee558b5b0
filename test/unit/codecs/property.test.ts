import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fuzzRuns } from '../../support/fuzz.js';
import { describeAudioConfig, describeVideoConfig } from '../../../src/codecs/describe.js';
import { inspectAudio, inspectVideo } from '../../../src/codecs/inspect.js';
import { parseAacConfig } from '../../../src/codecs/aac.js';
import { parseAv1Config } from '../../../src/codecs/av1.js';
import { parseAvcConfig } from '../../../src/codecs/avc.js';
import { parseHevcConfig } from '../../../src/codecs/hevc.js';
import { parseVp9Config } from '../../../src/codecs/vp9.js';
import { ProtocolError } from '../../../src/util/errors.js';
import { exAudio, exVideo, fixture, legacyVideo, opusHead } from './helpers.js';

const RUNS = fuzzRuns(2000);

const VALID_VIDEO = [
  legacyVideo(1, 7, 0, fixture('h264-high-1920x1080.avcc')),
  legacyVideo(1, 12, 0, fixture('hevc-rext422-642x362.hvcc')),
  exVideo(1, 0, 'hvc1', fixture('hevc-main-1920x1080.hvcc')),
  exVideo(1, 0, 'av01', fixture('av1-320x240.av1c')),
  exVideo(1, 0, 'vp09', fixture('vp9-320x240.vpcc')),
];
const VALID_AUDIO = [
  Buffer.from([0xaf, 0, 0x12, 0x10]),
  exAudio(0, 'mp4a', Buffer.from([0x2b, 0x92, 0x08, 0x00])),
  exAudio(0, 'Opus', opusHead(2, 48000)),
];

const randomBody = fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a));

/** A valid body with some bytes overwritten and maybe cut short: the bugs live near valid input. */
function mutated(valid: Buffer[]): fc.Arbitrary<Buffer> {
  return fc
    .tuple(
      fc.constantFrom(...valid),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
      fc.option(fc.nat()),
    )
    .map(([body, edits, cut]) => {
      const copy = Buffer.from(body);
      for (const [at, value] of edits) copy[at % copy.length] = value;
      return cut === null ? copy : copy.subarray(0, cut % (copy.length + 1));
    });
}

function assertTraits(t: { codec: string; keyframe: boolean; sequenceHeader: boolean }): void {
  assert.equal(typeof t.codec, 'string');
  assert.equal(typeof t.keyframe, 'boolean');
  assert.equal(typeof t.sequenceHeader, 'boolean');
}

test('inspect* never throws on random or mutated bodies', () => {
  fc.assert(
    fc.property(fc.oneof(randomBody, mutated(VALID_VIDEO), mutated(VALID_AUDIO)), (body) => {
      assertTraits(inspectVideo(body));
      assertTraits(inspectAudio(body));
    }),
    RUNS,
  );
});

test('describe* never throws on random or mutated bodies', () => {
  fc.assert(
    fc.property(fc.oneof(randomBody, mutated(VALID_VIDEO), mutated(VALID_AUDIO)), (body) => {
      const video = describeVideoConfig(body);
      const audio = describeAudioConfig(body);
      assert.ok(video === undefined || typeof video.codec === 'string');
      assert.ok(audio === undefined || typeof audio.codec === 'string');
    }),
    RUNS,
  );
});

test('record parsers only ever throw ProtocolError', () => {
  const records = [
    fixture('h264-high-1920x1080.avcc'),
    fixture('h264-interlaced-1920x1080.avcc'),
    fixture('hevc-main-1920x1080.hvcc'),
    fixture('av1-320x240.av1c'),
    fixture('vp9-320x240.vpcc'),
  ];
  const parsers = [parseAvcConfig, parseHevcConfig, parseAv1Config, parseVp9Config, parseAacConfig];
  fc.assert(
    fc.property(fc.oneof(randomBody, mutated(records)), (record) => {
      for (const parse of parsers) {
        try {
          parse(record);
        } catch (err) {
          assert.ok(err instanceof ProtocolError, `${parse.name}: ${String(err)}`);
        }
      }
    }),
    RUNS,
  );
});
