import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fuzzRuns } from '../../support/fuzz.js';
import { GcmRecordCipher } from '../../../src/protocols/webrtc/dtls/cipher.js';
import { Reassembler, decodeFragments, encodeHandshake, fragmentMessage } from '../../../src/protocols/webrtc/dtls/handshake.js';
import { prf } from '../../../src/protocols/webrtc/dtls/prf.js';
import { decodeClientHello, negotiate } from '../../../src/protocols/webrtc/dtls/hello.js';
import { ReplayWindow, decodeRecords, encodeRecord, isDtls } from '../../../src/protocols/webrtc/dtls/record.js';
import { ProtocolError } from '../../../src/util/errors.js';
import { clientHelloBody, defaultExtensions } from './dtls-wire.js';

test('records: several per datagram, and RFC 7983 tells DTLS from STUN and RTP', () => {
  const datagram = Buffer.concat([encodeRecord(22, 0, 5, Buffer.from('ab')), encodeRecord(21, 1, 2 ** 40, Buffer.from('c'))]);
  const [a, b] = decodeRecords(datagram);
  assert.deepEqual([a!.type, a!.epoch, a!.seq, a!.fragment.toString()], [22, 0, 5, 'ab']);
  assert.deepEqual([b!.type, b!.epoch, b!.seq, b!.fragment.toString()], [21, 1, 2 ** 40, 'c']);
  assert.ok(isDtls(datagram));
  assert.ok(!isDtls(Buffer.from('0001000c2112a442000000000000000000000000', 'hex'))); // STUN
  assert.ok(!isDtls(Buffer.alloc(20, 0x80))); // RTP
  assert.throws(() => decodeRecords(datagram.subarray(0, datagram.length - 1)), ProtocolError);
});

test('replay window: fresh once, old beyond 64 refused, a jump forward slides the window', () => {
  const w = new ReplayWindow();
  for (const seq of [0, 1, 3]) w.mark(seq);
  assert.deepEqual([0, 1, 2, 3, 4].map((s) => w.fresh(s)), [false, false, true, false, true]);
  w.mark(100);
  assert.equal(w.fresh(36), false, 'behind the window');
  assert.equal(w.fresh(37), true);
  assert.equal(w.fresh(100), false);
  w.mark(37);
  assert.equal(w.fresh(37), false);
});

test('reassembly: fragments out of order, overlapping and repeated make the whole message once', () => {
  const body = Buffer.from(Array.from({ length: 250 }, (_, i) => i));
  const message = encodeHandshake(11, 2, body);
  const parts = fragmentMessage(message, 100).flatMap((f) => decodeFragments(f));
  assert.equal(parts.length, 3);
  const overlap = { ...parts[1]!, offset: 50, body: body.subarray(50, 200) };
  const r = new Reassembler(2);
  assert.deepEqual(r.add(parts[2]!), []);
  assert.deepEqual(r.add(overlap), []);
  assert.deepEqual(r.add(parts[2]!), []);
  const done = r.add(parts[0]!);
  assert.ok(Array.isArray(done) && done.length === 1);
  assert.deepEqual(done[0]!.body, body);
  assert.deepEqual(done[0]!.raw, message, 'hashed as if never fragmented');
  assert.equal(r.add(parts[1]!), 'old');
});

test('property: any split, order and duplication of fragments reassembles the message exactly once', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 600 }), fc.integer({ min: 1, max: 200 }), fc.array(fc.nat(), { maxLength: 20 }), (bytes, size, order) => {
      const message = encodeHandshake(16, 3, Buffer.from(bytes));
      const parts = fragmentMessage(message, size).flatMap((f) => decodeFragments(f));
      const sequence = [...order.map((i) => parts[i % parts.length]!), ...parts.slice().reverse()];
      const r = new Reassembler(3);
      const delivered = sequence.flatMap((f) => {
        const out = r.add(f);
        return out === 'old' ? [] : out;
      });
      assert.equal(delivered.length, 1);
      assert.deepEqual(delivered[0]!.raw, message);
    }),
    fuzzRuns(300),
  );
});

test('property: ClientHello and fragment decoders refuse garbage only with ProtocolError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      for (const decode of [decodeClientHello, decodeFragments, decodeRecords]) {
        try {
          decode(Buffer.from(bytes));
        } catch (err) {
          assert.ok(err instanceof ProtocolError, String(err));
        }
      }
      try {
        negotiate(decodeClientHello(Buffer.from(bytes)));
      } catch (err) {
        assert.ok(err instanceof ProtocolError, String(err));
      }
    }),
    fuzzRuns(1000),
  );
});

test('property: negotiation over random extension bodies refuses only with ProtocolError', () => {
  const types = [10, 11, 13, 14, 23, 0xff01];
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom(...types), fc.uint8Array({ maxLength: 12 })), { maxLength: 6 }), (exts) => {
      const extensions = new Map(defaultExtensions());
      for (const [type, body] of exts) extensions.set(type, Buffer.from(body));
      try {
        const n = negotiate(decodeClientHello(clientHelloBody({ extensions })));
        assert.ok(n.srtpProfile === 'AES_CM_128_HMAC_SHA1_80' || n.srtpProfile === 'AEAD_AES_128_GCM');
      } catch (err) {
        assert.ok(err instanceof ProtocolError, String(err));
      }
    }),
    fuzzRuns(1000),
  );
});

test('reassembly is bounded: huge messages refused, messages far ahead not buffered', () => {
  const r = new Reassembler(2);
  assert.throws(() => r.add({ type: 11, length: 1 << 20, messageSeq: 2, offset: 0, body: Buffer.alloc(10) }), ProtocolError);
  assert.deepEqual(r.add({ type: 11, length: 4, messageSeq: 50, offset: 0, body: Buffer.alloc(4) }), []);
  assert.throws(() => decodeFragments(Buffer.from('0b000004000200000300000a', 'hex')), ProtocolError, 'fragment beyond its message');
});

test('PRF: the TLS 1.2 SHA-256 test vector', () => {
  // From the IETF TLS list's published P_SHA256 vector (secret, "test label", seed, 100 bytes).
  const out = prf(Buffer.from('9bbe436ba940f017b17652849a71db35', 'hex'), 'test label', Buffer.from('a0ba9f936cda311827a6f796ffd5198c', 'hex'), 100);
  assert.equal(out.subarray(0, 16).toString('hex'), 'e3f229ba727be17b8d122620557cd453');
});

test('GCM records: what one side seals the other opens; a flipped bit or another record number fails', () => {
  const key = Buffer.alloc(16, 3);
  const salt = Buffer.alloc(4, 4);
  const sealed = new GcmRecordCipher(key, salt).seal(22, 1, 7, Buffer.from('finished'));
  const peer = new GcmRecordCipher(key, salt);
  assert.equal(peer.open(22, 0xfefd, 1, 7, sealed)?.toString(), 'finished');
  assert.equal(peer.open(22, 0xfefd, 1, 8, sealed), undefined);
  const flipped = Buffer.from(sealed);
  flipped[10]! ^= 1;
  assert.equal(peer.open(22, 0xfefd, 1, 7, flipped), undefined);
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (junk) => peer.open(23, 0xfefd, 1, 1, Buffer.from(junk)) === undefined), fuzzRuns(200));
});
