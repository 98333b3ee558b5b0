import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { fuzzRuns } from '../../support/fuzz.js';
import { STUN_BINDING, StunError, decodeStun, encodeStun } from '../../../src/protocols/webrtc/stun/message.js';
import {
  bindingError,
  bindingSuccess,
  readBindingRequest,
  verifyFingerprint,
  verifyIntegrity,
} from '../../../src/protocols/webrtc/stun/binding.js';
import { classifyPacket, isStun } from '../../../src/protocols/webrtc/stun/demux.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const PASSWORD = 'VOkJxbRl1RmTxUk/WvJxBt';

// RFC 5769 2.1: a Binding request with USERNAME, PRIORITY, ICE-CONTROLLED, MESSAGE-INTEGRITY, FINGERPRINT.
const RFC5769_REQUEST = hex(`
  00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
  80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74
  00 24 00 04 6e 00 01 ff 80 29 00 08 93 2f f9 b1 51 26 3b 36
  00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20
  00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2
  80 28 00 04 e5 7a 3b cf`);
// RFC 5769 2.2 and 2.3: success responses mapping 192.0.2.1:32853 and [2001:db8:1234:5678:11:2233:4455:6677]:32853.
const RFC5769_RESPONSE_V4 = hex(`
  01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
  80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
  00 20 00 08 00 01 a1 47 e1 12 a6 43
  00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7
  80 28 00 04 c0 7d 4c 96`);
const RFC5769_RESPONSE_V6 = hex(`
  01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
  80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
  00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9
  00 08 00 14 a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75 bf e3 ed 41
  80 28 00 04 c8 fb 0b 4c`);

test('RFC 5769 2.1 request: attributes read, integrity and fingerprint verified', () => {
  const message = decodeStun(RFC5769_REQUEST);
  assert.equal(message.method, STUN_BINDING);
  assert.equal(message.class, 'request');
  assert.equal(message.priority, 0x6e0001ff);
  assert.equal(message.iceControlled, 0x932ff9b151263b36n);
  const request = readBindingRequest(message);
  assert.deepEqual([request.localUfrag, request.remoteUfrag], ['evtj', 'h6vY']);
  assert.equal(request.useCandidate, false);
  assert.ok(verifyIntegrity(message, PASSWORD));
  assert.ok(!verifyIntegrity(message, 'wrong-password'));
  assert.ok(verifyFingerprint(message));
});

test('RFC 5769 2.2/2.3 responses: XOR-MAPPED-ADDRESS for IPv4 and IPv6, integrity and fingerprint', () => {
  const v4 = decodeStun(RFC5769_RESPONSE_V4);
  assert.equal(v4.class, 'success');
  assert.deepEqual(v4.xorMappedAddress, { family: 'IPv4', address: '192.0.2.1', port: 32853 });
  assert.ok(verifyIntegrity(v4, PASSWORD) && verifyFingerprint(v4));
  const v6 = decodeStun(RFC5769_RESPONSE_V6);
  assert.deepEqual(v6.xorMappedAddress, { family: 'IPv6', address: '2001:db8:1234:5678:11:2233:4455:6677', port: 32853 });
  assert.ok(verifyIntegrity(v6, PASSWORD) && verifyFingerprint(v6));
});

test('our XOR-MAPPED-ADDRESS bytes equal the RFC 5769 ones', () => {
  const transactionId = RFC5769_RESPONSE_V4.subarray(8, 20);
  for (const [vector, address] of [
    [RFC5769_RESPONSE_V4, '192.0.2.1'],
    [RFC5769_RESPONSE_V6, '2001:db8:1234:5678:11:2233:4455:6677'],
  ] as const) {
    const ours = decodeStun(bindingSuccess(transactionId, { family: 'IPv4', address, port: 32853 }, PASSWORD));
    const theirs = decodeStun(vector);
    const attr = (m: typeof ours) => m.attributes.find((a) => a.type === 0x0020)!.value;
    assert.deepEqual(attr(ours), attr(theirs));
  }
});

test('binding success: checks out with the local password, maps IPv4-mapped IPv6 as IPv4', () => {
  const transactionId = randomBytes(12);
  const response = bindingSuccess(transactionId, { family: 'IPv6', address: '::ffff:127.0.0.1', port: 54321 }, 'localpwd');
  assert.ok(isStun(response));
  const message = decodeStun(response);
  assert.equal(message.class, 'success');
  assert.deepEqual(message.transactionId, transactionId);
  assert.deepEqual(message.xorMappedAddress, { family: 'IPv4', address: '127.0.0.1', port: 54321 });
  assert.ok(verifyIntegrity(message, 'localpwd'));
  assert.ok(verifyFingerprint(message));
  const v6 = decodeStun(bindingSuccess(transactionId, { family: 'IPv6', address: '::1', port: 1 }, 'p'));
  assert.deepEqual(v6.xorMappedAddress, { family: 'IPv6', address: '0:0:0:0:0:0:0:1', port: 1 });
});

test('binding errors 400 and 401 carry ERROR-CODE and a fingerprint', () => {
  const transactionId = randomBytes(12);
  const unauthorized = decodeStun(bindingError(transactionId, 401, 'Unauthorized'));
  assert.equal(unauthorized.class, 'error');
  assert.deepEqual(unauthorized.errorCode, { code: 401, reason: 'Unauthorized' });
  assert.ok(verifyFingerprint(unauthorized));
  assert.equal(unauthorized.integrityOffset, undefined);
  const bad = decodeStun(bindingError(transactionId, 400, 'Bad Request', 'pwd'));
  assert.deepEqual(bad.errorCode, { code: 400, reason: 'Bad Request' });
  assert.ok(verifyIntegrity(bad, 'pwd'));
});

test('a browser-like request round-trips: USE-CANDIDATE, ICE-CONTROLLING, a tampered byte fails integrity', () => {
  const request = encodeStun({
    method: STUN_BINDING,
    class: 'request',
    transactionId: randomBytes(12),
    username: 'serverufrag:browser',
    priority: 1853824767,
    useCandidate: true,
    iceControlling: 0x1234567890abcdefn,
    integrityKey: 'serverpassword',
    fingerprint: true,
  });
  const parsed = readBindingRequest(decodeStun(request));
  assert.equal(parsed.localUfrag, 'serverufrag');
  assert.equal(parsed.useCandidate, true);
  assert.equal(parsed.iceControlling, 0x1234567890abcdefn);
  assert.ok(verifyIntegrity(parsed.message, 'serverpassword'));
  const tampered = Buffer.from(request);
  tampered[30]! ^= 1; // inside USERNAME
  const message = decodeStun(tampered);
  assert.ok(!verifyIntegrity(message, 'serverpassword'));
  assert.ok(!verifyFingerprint(message));
});

test('malformed STUN is refused with StunError', () => {
  const cases: Buffer[] = [
    Buffer.alloc(0),
    RFC5769_REQUEST.subarray(0, 19),
    RFC5769_REQUEST.subarray(0, RFC5769_REQUEST.length - 4), // length field no longer matches
    Buffer.concat([RFC5769_REQUEST.subarray(0, 4), Buffer.alloc(4), RFC5769_REQUEST.subarray(8)]), // no cookie
    hex('0001 0008 2112a442 000000000000000000000000 0006 0010 41414141'), // attribute overruns
    hex('0001 0008 2112a442 000000000000000000000000 0024 0002 00000000'), // PRIORITY of 2 bytes
    hex('0001 000c 2112a442 000000000000000000000000 0020 0008 00030000 00000000'), // address family 3
  ];
  for (const data of cases) assert.throws(() => decodeStun(data), StunError, data.toString('hex'));
  const indication = encodeStun({ method: STUN_BINDING, class: 'indication', transactionId: randomBytes(12) });
  assert.throws(() => readBindingRequest(decodeStun(indication)), StunError);
  const noUser = encodeStun({ method: STUN_BINDING, class: 'request', transactionId: randomBytes(12) });
  assert.throws(() => readBindingRequest(decodeStun(noUser)), /USERNAME/);
});

test('classifyPacket tells STUN, DTLS, RTP and RTCP apart by RFC 7983 ranges', () => {
  assert.equal(classifyPacket(RFC5769_REQUEST), 'stun');
  assert.equal(classifyPacket(hex('16fefd000000000000000000000010')), 'dtls');
  assert.equal(classifyPacket(hex('80e0 0001 00000000 11223344 00')), 'rtp'); // marker + PT 96
  assert.equal(classifyPacket(hex('80c8 0006 11223344')), 'rtcp'); // SR
  assert.equal(classifyPacket(hex('81cd 0003 11223344')), 'rtcp'); // RTPFB
  assert.equal(classifyPacket(hex('8f ce 0002 11223344')), 'rtcp'); // PSFB FMT 15
  assert.equal(classifyPacket(hex('ff0102')), 'unknown');
  assert.equal(classifyPacket(Buffer.alloc(0)), 'unknown');
  assert.equal(classifyPacket(hex('0001 0000 00000000')), 'unknown'); // STUN-ish but short, no cookie
  assert.ok(!isStun(hex('17fefd')));
});

test('fuzz stun: any bytes either decode or throw StunError; verification never throws', () => {
  const valid = bindingSuccess(randomBytes(12), { family: 'IPv4', address: '10.0.0.1', port: 9 }, 'pw');
  const mutate = fc.tuple(fc.array(fc.tuple(fc.nat(valid.length + RFC5769_REQUEST.length), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.boolean());
  const check = (data: Buffer): void => {
    try {
      const message = decodeStun(data);
      verifyIntegrity(message, 'pw');
      verifyFingerprint(message);
      try {
        readBindingRequest(message);
      } catch (error) {
        if (!(error instanceof StunError)) throw error;
      }
    } catch (error) {
      if (!(error instanceof StunError)) throw error;
    }
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => check(Buffer.from(bytes))), fuzzRuns(2000));
  fc.assert(
    fc.property(mutate, ([edits, useRequest]) => {
      const data = Buffer.from(useRequest ? RFC5769_REQUEST : valid);
      for (const [at, value] of edits) data[at % data.length] = value;
      check(data);
    }),
    fuzzRuns(2000),
  );
});
