import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fuzzRuns } from '../../support/fuzz.js';
import { decodeRtp } from '../../../src/protocols/rtp/packet.js';
import { OPUS_CLOCK_RATE, depacketizeOpus, packetizeOpus } from '../../../src/protocols/rtp/opus.js';
import { RtpSequencer, SequenceUnwrapper } from '../../../src/protocols/rtp/sequencer.js';
import { readRtpExtensions, writeRtpWithExtensions } from '../../../src/protocols/rtp/header-extensions.js';
import { ProtocolError } from '../../../src/util/errors.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const header = { payloadType: 111, marker: false, sequence: 7, timestamp: 960, ssrc: 0x1234 };

test('Opus RTP (RFC 7587): one packet per payload, duration from the TOC', () => {
  const frame = Buffer.concat([Buffer.from([0xf8]), Buffer.alloc(60, 1)]); // CELT fullband 20 ms
  const packet = decodeRtp(packetizeOpus(frame, { ...header, marker: true }));
  assert.equal(packet.marker, true);
  assert.deepEqual(depacketizeOpus(packet), { data: frame, samples: 960 });
  assert.equal(depacketizeOpus({ ...packet, payload: hex('fb03 00') }).samples, 2880); // code 3, three 20 ms frames
  assert.equal(depacketizeOpus({ ...packet, payload: hex('78 00') }).samples, 960); // hybrid fullband 20 ms
  assert.equal(OPUS_CLOCK_RATE, 48000);
});

test('malformed Opus payloads are ProtocolErrors', () => {
  const packet = decodeRtp(packetizeOpus(Buffer.from([0xf8]), header));
  for (const payload of [Buffer.alloc(0), hex('fb'), hex('fb00'), hex('fb07')]) {
    assert.throws(() => depacketizeOpus({ ...packet, payload }), ProtocolError, payload.toString('hex'));
  }
});

test('RtpSequencer wraps sequence numbers and maps ms to the clock rate', () => {
  const video = new RtpSequencer(90000, { sequence: 65534, timestamp: 0xffffff00 });
  assert.deepEqual([video.nextSequence(), video.nextSequence(), video.nextSequence()], [65534, 65535, 0]);
  assert.equal(video.timestampOf(0), 0xffffff00);
  assert.equal(video.timestampOf(1000), (0xffffff00 + 90000) >>> 0);
  const audio = new RtpSequencer(48000, { timestamp: 10 });
  assert.equal(audio.timestampOf(20), 10 + 960);
});

test('SequenceUnwrapper counts across wraps and leaves late packets behind', () => {
  const u = new SequenceUnwrapper();
  assert.deepEqual([65534, 65535, 0, 1, 65535, 2].map((s) => u.unwrap(s)), [65534, 65535, 65536, 65537, 65535, 65538]);
});

test('RTP header extensions: one-byte form written and read, decodeRtp skips them', () => {
  const twcc = Buffer.from([0x01, 0x02]);
  const packet = writeRtpWithExtensions(header, [{ id: 3, data: twcc }, { id: 4, data: Buffer.from('0') }], Buffer.from('payload'));
  assert.deepEqual(packet.subarray(12, 24), hex('bede0002 31010240 30000000'));
  assert.deepEqual(readRtpExtensions(packet), [
    { id: 3, data: twcc },
    { id: 4, data: Buffer.from('0') },
  ]);
  assert.equal(decodeRtp(packet).payload.toString(), 'payload');
  assert.deepEqual(readRtpExtensions(writeRtpWithExtensions(header, [], Buffer.alloc(1))), []);
});

test('RTP header extensions: two-byte form for long elements, padding skipped', () => {
  const long = Buffer.alloc(20, 7);
  const packet = writeRtpWithExtensions(header, [{ id: 20, data: long }], Buffer.from('x'));
  assert.equal(packet.readUInt16BE(12), 0x1000);
  assert.deepEqual(readRtpExtensions(packet), [{ id: 20, data: long }]);
  // Chrome-style one-byte extension with padding between elements.
  const chrome = hex('90 6f 0001 00000000 00000001 bede0002 10ff 00 00 22 010203');
  assert.deepEqual(readRtpExtensions(chrome), [
    { id: 1, data: hex('ff') },
    { id: 2, data: hex('010203') },
  ]);
});

test('fuzz: header extensions read or throw ProtocolError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 12, maxLength: 60 }), (bytes) => {
      const data = Buffer.from(bytes);
      data[0] = 0x90 | (data[0]! & 0x03); // X bit, up to 3 CSRCs
      const at = 12 + (data[0]! & 0x03) * 4;
      if (at + 2 <= data.length) data.writeUInt16BE(bytes[1]! & 1 ? 0xbede : 0x1000, at); // a profile we read
      try {
        readRtpExtensions(data);
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw error;
      }
    }),
    fuzzRuns(1000),
  );
});
