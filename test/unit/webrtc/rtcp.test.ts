import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fuzzRuns } from '../../support/fuzz.js';
import { parseRtcp } from '../../../src/protocols/rtp/rtcp-parse.js';
import {
  buildBye,
  buildFir,
  buildNack,
  buildPli,
  buildReceiverReport,
  buildRemb,
  buildSdes,
  buildSenderReport,
  compound,
} from '../../../src/protocols/rtp/rtcp-build.js';
import { buildTransportCc } from '../../../src/protocols/rtp/rtcp-twcc.js';
import type { RtcpTransportCc, ReportBlock } from '../../../src/protocols/rtp/rtcp-packets.js';
import { decodeSenderReports } from '../../../src/protocols/rtp/rtcp.js';
import { ProtocolError } from '../../../src/util/errors.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const block: ReportBlock = { ssrc: 0x11223344, fractionLost: 25, packetsLost: -3, highestSequence: 0x0001fffe, jitter: 90, lastSr: 0xaabbccdd, delaySinceLastSr: 65536 };

test('SR, RR, SDES and BYE round-trip through one compound packet', () => {
  const packet = compound(
    buildSenderReport({ ssrc: 1, ntpSeconds: 0xe0000000, ntpFraction: 0x80000000, rtpTimestamp: 90000, packets: 10, octets: 12000, reports: [block] }),
    buildReceiverReport(2, [block, { ...block, ssrc: 5 }]),
    buildSdes([{ ssrc: 1, cname: 'sluice' }, { ssrc: 7, cname: 'abcd' }]),
    buildBye([1, 2], 'session closed'),
  );
  assert.equal(packet.length % 4, 0);
  assert.deepEqual(parseRtcp(packet), [
    { type: 'sr', ssrc: 1, ntpSeconds: 0xe0000000, ntpFraction: 0x80000000, rtpTimestamp: 90000, packets: 10, octets: 12000, reports: [block] },
    { type: 'rr', ssrc: 2, reports: [block, { ...block, ssrc: 5 }] },
    { type: 'sdes', chunks: [{ ssrc: 1, cname: 'sluice' }, { ssrc: 7, cname: 'abcd' }] },
    { type: 'bye', ssrcs: [1, 2], reason: 'session closed' },
  ]);
  // The RTSP side's reader sees the same sender report.
  assert.equal(decodeSenderReports(packet)[0]!.rtpTimestamp, 90000);
});

test('SDES chunk layout: CNAME item, null terminator, 32-bit padding (RFC 3550 6.5)', () => {
  assert.deepEqual(buildSdes([{ ssrc: 0x01020304, cname: 'abc' }]), hex('81ca0003 01020304 01036162 63000000'));
  assert.deepEqual(buildSdes([{ ssrc: 0x01020304, cname: 'ab' }]), hex('81ca0003 01020304 01026162 00000000'));
});

test('generic NACK packs lost sequences into PID+BLP items and parses back, across a wrap', () => {
  const nack = buildNack(0xaaaa, 0xbbbb, [100, 101, 103, 116, 117, 118]);
  assert.deepEqual(nack, hex('81cd0004 0000aaaa 0000bbbb 0064 8005 0075 0001'));
  assert.deepEqual(parseRtcp(nack), [{ type: 'nack', senderSsrc: 0xaaaa, mediaSsrc: 0xbbbb, sequences: [100, 101, 103, 116, 117, 118] }]);
  const wrapped = [65533, 65535, 0, 2, 40];
  assert.deepEqual((parseRtcp(buildNack(1, 2, [2, 65535, 40, 0, 65533, 0]))[0] as { sequences: number[] }).sequences, wrapped);
  assert.throws(() => buildNack(1, 2, []), RangeError);
});

test('PLI, FIR and REMB build and parse', () => {
  assert.deepEqual(buildPli(1, 2), hex('81ce0002 00000001 00000002'));
  assert.deepEqual(buildFir(1, [{ ssrc: 9, sequence: 3 }]), hex('84ce0004 00000001 00000000 00000009 03000000'));
  assert.deepEqual(buildRemb(1, 1_000_000, [0x1234]), hex('8fce0005 00000001 00000000 52454d42 010bd090 00001234'));
  assert.deepEqual(parseRtcp(compound(buildPli(1, 2), buildFir(1, [{ ssrc: 9, sequence: 3 }]), buildRemb(1, 2_500_000, [5, 6]))), [
    { type: 'pli', senderSsrc: 1, mediaSsrc: 2 },
    { type: 'fir', senderSsrc: 1, entries: [{ ssrc: 9, sequence: 3 }] },
    { type: 'remb', senderSsrc: 1, bitrate: 2_500_000, ssrcs: [5, 6] },
  ]);
});

// Transport-cc feedback sent by Chrome (as collected in webrtc-rs's tests), with RTCP padding.
const CHROME_TWCC_SINGLE = hex('afcd0005 fa17fa17 43032fa0 00990001 3de80217 20019401');
const CHROME_TWCC_RUN = hex('afcd0007 fa17fa17 193dd8bb 00040007 10636e01 20074c24 24100c0c 10000003');

test("Chrome's transport-cc feedback parses: run-length chunk, small deltas, padding", () => {
  const [single] = parseRtcp(CHROME_TWCC_SINGLE) as RtcpTransportCc[];
  assert.equal(single!.baseSequence, 153);
  assert.equal(single!.referenceTime, 4057090);
  assert.equal(single!.feedbackCount, 23);
  assert.deepEqual(single!.packets, [{ sequence: 153, arrivalUs: 4057090 * 64000 + 37000 }]);
  const [run] = parseRtcp(CHROME_TWCC_RUN) as RtcpTransportCc[];
  const base = 1074030 * 64000;
  const deltas = [19000, 9000, 9000, 4000, 3000, 3000, 4000];
  let t = base;
  assert.deepEqual(run!.packets, deltas.map((d, i) => ({ sequence: 4 + i, arrivalUs: (t += d) })));
  // What we build from the same arrivals is Chrome's packet with zero padding instead of RTCP padding.
  const rebuilt = buildTransportCc(run!.senderSsrc, run!.mediaSsrc, run!.feedbackCount, run!.packets.map((p) => ({ sequence: p.sequence, arrivalUs: p.arrivalUs! })));
  const expected = Buffer.from(CHROME_TWCC_RUN);
  expected[0] = 0x8f;
  expected[expected.length - 1] = 0;
  assert.deepEqual(rebuilt, expected);
});

test('transport-cc from arrivals: losses, reordering, large and negative deltas, a sequence wrap', () => {
  const arrivals = [
    { sequence: 65530, arrivalUs: 1_000_000 },
    { sequence: 65531, arrivalUs: 1_001_000 },
    // 65532..65534 lost
    { sequence: 65535, arrivalUs: 1_200_000 }, // large delta
    { sequence: 1, arrivalUs: 1_199_000 }, // negative delta
    { sequence: 0, arrivalUs: 1_199_500 },
    ...Array.from({ length: 30 }, (_, i) => ({ sequence: 2 + i, arrivalUs: 1_200_000 + i * 250 })),
    { sequence: 60, arrivalUs: 1_300_000 },
  ];
  const [fb] = parseRtcp(buildTransportCc(1, 2, 9, arrivals)) as RtcpTransportCc[];
  assert.equal(fb!.baseSequence, 65530);
  assert.equal(fb!.feedbackCount, 9);
  assert.equal(fb!.packets.length, 61 + 6);
  const got = new Map(fb!.packets.map((p) => [p.sequence, p.arrivalUs]));
  for (const lost of [65532, 65533, 65534, 32, 59]) assert.equal(got.get(lost), undefined, `seq ${lost} lost`);
  for (const { sequence, arrivalUs } of arrivals) assert.equal(got.get(sequence), Math.round(arrivalUs / 250) * 250, `seq ${sequence}`);
});

test('property: transport-cc feedback round-trips any arrivals to 250 µs', () => {
  const arrivals = fc.uniqueArray(fc.record({ offset: fc.nat(600), arrivalUs: fc.integer({ min: 64_000, max: 5_000_000 }) }), { minLength: 1, maxLength: 120, selector: (a) => a.offset });
  fc.assert(
    fc.property(arrivals, fc.nat(0xffff), (list, start) => {
      const received = list.map((a) => ({ sequence: (start + a.offset) & 0xffff, arrivalUs: a.arrivalUs }));
      const [fb] = parseRtcp(buildTransportCc(1, 2, 0, received)) as RtcpTransportCc[];
      const got = new Map(fb!.packets.map((p) => [p.sequence, p.arrivalUs]));
      for (const r of received) {
        const at = got.get(r.sequence);
        assert.ok(at !== undefined && Math.abs(at - r.arrivalUs) <= 125, `seq ${r.sequence}: ${at} vs ${r.arrivalUs}`);
      }
      assert.equal(fb!.packets.filter((p) => p.arrivalUs !== undefined).length, received.length);
    }),
    fuzzRuns(300),
  );
});

test('malformed RTCP is refused with ProtocolError', () => {
  const cases = [
    hex('80'),
    hex('40c80000'), // version 1
    hex('80c80006 00000001'), // length overruns
    hex('81c80006 00000001 00000000 00000000 00000000 00000000 00000000'), // SR claims a report block it lacks
    hex('81ca0001 00000001'), // SDES chunk without items
    hex('81ca0002 00000001 0105 6162'), // SDES item overruns
    hex('81cd0001 00000001'), // feedback without media SSRC
    hex('8fcd0003 00000001 00000002 00010005'), // transport-cc header cut short
    hex('8fcd0004 00000001 00000002 00010005 00000000'), // transport-cc chunks missing
    hex('8fcd0005 00000001 00000002 00010003 00000000 20030000'), // three small deltas promised, two bytes left
    hex('a0c90001 00000005'), // padding count 5 > packet
  ];
  for (const data of cases) assert.throws(() => parseRtcp(data), ProtocolError, data.toString('hex'));
});

test('fuzz rtcp: any bytes parse or throw ProtocolError; mutated compounds too', () => {
  const valid = compound(
    buildReceiverReport(2, [block]),
    buildRemb(1, 300_000, [3]),
    buildNack(1, 2, [5, 7, 30]),
    buildTransportCc(1, 2, 0, [{ sequence: 1, arrivalUs: 100_000 }, { sequence: 4, arrivalUs: 400_000 }]),
    buildSdes([{ ssrc: 1, cname: 'x' }]),
  );
  const check = (data: Buffer): void => {
    try {
      parseRtcp(data);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
    }
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => check(Buffer.from(bytes))), fuzzRuns(2000));
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), (edits) => {
      const data = Buffer.from(valid);
      for (const [at, value] of edits) data[at] = value;
      check(data);
    }),
    fuzzRuns(2000),
  );
});
