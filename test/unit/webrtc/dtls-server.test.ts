import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fuzzRuns } from '../../support/fuzz.js';
import { generateCertificate } from '../../../src/protocols/webrtc/certificate.js';
import { DtlsServer } from '../../../src/protocols/webrtc/dtls/index.js';
import { decodeRecords, encodeRecord } from '../../../src/protocols/webrtc/dtls/record.js';
import { encodeHandshake, fragmentMessage } from '../../../src/protocols/webrtc/dtls/handshake.js';
import { silentLogger } from '../../../src/util/logger.js';
import { clientHelloBody, cookieOf, defaultExtensions, handshakeRecord, hex, type HelloOptions } from './dtls-wire.js';

const certificate = generateCertificate();

/** A server whose datagrams land in `sent`. */
function harness() {
  const sent: Buffer[] = [];
  const h = {
    sent,
    closed: undefined as string | undefined,
    connected: false,
    server: undefined as unknown as DtlsServer,
  };
  h.server = new DtlsServer({
    certificate,
    send: (d) => sent.push(d),
    onConnected: () => (h.connected = true),
    onClose: (reason) => (h.closed = reason),
    log: silentLogger(),
  });
  return h;
}

/** Plays the cookie exchange; `next` is the record number the client's next record takes. */
function throughCookie(h: ReturnType<typeof harness>, options: HelloOptions = {}): { next: number; cookie: Buffer } {
  h.server.handle(handshakeRecord(1, 0, clientHelloBody(options), 0));
  const cookie = cookieOf(h.sent.pop()!);
  h.server.handle(handshakeRecord(1, 1, clientHelloBody({ ...options, cookie }), 1));
  return { next: 2, cookie };
}

const handshakeTypes = (datagrams: Buffer[]): number[] =>
  datagrams.flatMap((d) => decodeRecords(d)).filter((r) => r.type === 22 && r.epoch === 0).map((r) => r.fragment[0]!);

test('garbage datagrams are dropped: no reply, no close, and a hello still gets its answer', () => {
  const h = harness();
  const valid = handshakeRecord(1, 0, clientHelloBody(), 0);
  const garbage = [
    Buffer.alloc(0),
    hex('16 fefd 0000'), // truncated header
    hex('63 fefd 0000 000000000000 0000'), // unknown content type
    hex('16 0303 0000 000000000000 0000'), // TLS, not DTLS
    valid.subarray(0, valid.length - 5), // record longer than the datagram
    Buffer.concat([hex('16 fefd 0000 000000000001 0004'), hex('01 000010')]), // handshake header truncated
    handshakeRecord(1, 0, hex('fefd 00'), 9), // ClientHello body truncated
    encodeRecord(23, 0, 10, Buffer.from('application data before any handshake')),
    encodeRecord(22, 1, 0, Buffer.alloc(40)), // epoch 1 before any keys
  ];
  for (const g of garbage) assert.doesNotThrow(() => h.server.handle(g));
  assert.equal(h.sent.length, 0);
  assert.equal(h.closed, undefined);
  h.server.handle(valid);
  assert.deepEqual(handshakeTypes(h.sent), [3]); // HelloVerifyRequest
});

test('before a verified hello nothing is remembered: a record numbered 2^48-1 or an alert does not lock the peer out', () => {
  const h = harness();
  h.server.handle(handshakeRecord(1, 0, clientHelloBody(), 2 ** 48 - 1));
  h.server.handle(encodeRecord(21, 0, 2 ** 48 - 2, hex('0228')));
  assert.equal(h.closed, undefined);
  assert.equal(throughCookie(h).next, 2);
  assert.deepEqual(handshakeTypes(h.sent.slice(1)), [2, 11, 12, 13, 14]);
  const late = harness(); // a verified hello numbered at the top of the range still gets well-formed answers
  late.server.handle(handshakeRecord(1, 0, clientHelloBody(), 2 ** 48 - 2));
  late.server.handle(handshakeRecord(1, 1, clientHelloBody({ cookie: cookieOf(late.sent.pop()!) }), 2 ** 48 - 1));
  late.server.close();
  assert.deepEqual(handshakeTypes(late.sent), [2, 11, 12, 13, 14]);
});

test('a socket that throws on send does not make handle() throw', () => {
  const server = new DtlsServer({
    certificate,
    send: () => {
      throw new Error('socket closed');
    },
    onConnected: () => undefined,
    onClose: () => undefined,
    log: silentLogger(),
  });
  assert.doesNotThrow(() => server.handle(handshakeRecord(1, 0, clientHelloBody(), 0)));
});

test('a hello without the right cookie gets a HelloVerifyRequest that mirrors its record number', () => {
  const h = harness();
  h.server.handle(handshakeRecord(1, 0, clientHelloBody(), 41));
  h.server.handle(handshakeRecord(1, 1, clientHelloBody({ cookie: Buffer.alloc(20, 1) }), 42));
  const [first, second] = h.sent.map((d) => decodeRecords(d)[0]!);
  assert.equal(first!.seq, 41);
  assert.equal(second!.seq, 42);
  assert.equal(first!.version, 0xfeff);
  assert.equal(h.closed, undefined);
});

test('the server flight follows the cookie, in order, with message numbers after the hello', () => {
  const h = harness();
  throughCookie(h);
  const records = h.sent.flatMap((d) => decodeRecords(d));
  assert.deepEqual(records.map((r) => r.fragment[0]), [2, 11, 12, 13, 14]);
  assert.deepEqual(records.map((r) => r.fragment.readUInt16BE(4)), [1, 2, 3, 4, 5]);
  assert.ok(records.every((r) => r.seq >= 1), 'record numbers continue past the HelloVerifyRequest');
});

test('a hello fragmented over datagrams (as Chromium sends it) is answered from its first fragment, then reassembled', () => {
  const h = harness();
  const fragmentsOf = (body: Buffer, messageSeq: number, firstRecord: number): Buffer[] =>
    fragmentMessage(encodeHandshake(1, messageSeq, body), 60).map((f, i) => encodeRecord(22, 0, firstRecord + i, f));
  const big = new Map([...defaultExtensions(), [51, Buffer.alloc(300, 5)]]); // a key_share a DTLS 1.2 server ignores
  const first = fragmentsOf(clientHelloBody({ extensions: big }), 0, 0);
  h.server.handle(first[0]!);
  assert.deepEqual(handshakeTypes(h.sent), [3]);
  for (const d of first.slice(1)) h.server.handle(d);
  assert.equal(h.sent.length, 1, 'the rest of an unverified hello is not answered');
  const cookie = cookieOf(h.sent.pop()!);
  const second = fragmentsOf(clientHelloBody({ extensions: big, cookie }), 1, first.length);
  for (const d of [second[0]!, ...second.slice(1).reverse()]) h.server.handle(d);
  assert.deepEqual(handshakeTypes(h.sent), [2, 11, 12, 13, 14]);
});

test('a replayed record is ignored; a retransmitted hello (new record number) brings the flight again, once it has had time to arrive', async () => {
  const h = harness();
  const { next, cookie } = throughCookie(h);
  const flight = h.sent.length;
  h.server.handle(handshakeRecord(1, 1, clientHelloBody({ cookie }), 1)); // same record number: a replay
  assert.equal(h.sent.length, flight);
  // At once: the hello crossed our flight on the wire, which is not lost.
  h.server.handle(handshakeRecord(1, 1, clientHelloBody({ cookie }), next));
  assert.equal(h.sent.length, flight);
  await new Promise((resolve) => setTimeout(resolve, 300));
  h.server.handle(handshakeRecord(1, 1, clientHelloBody({ cookie }), next + 1));
  assert.equal(h.sent.length, 2 * flight);
  assert.deepEqual(handshakeTypes(h.sent.slice(flight)), [2, 11, 12, 13, 14]);
  // Every message of a retransmitted flight asks again: the flight goes out once.
  await new Promise((resolve) => setTimeout(resolve, 300));
  for (let seq = next + 2; seq < next + 6; seq++) h.server.handle(handshakeRecord(1, 1, clientHelloBody({ cookie }), seq));
  assert.equal(h.sent.length, 3 * flight);
});

test('a malformed message after the cookie ends the session with a fatal decode_error alert', () => {
  const h = harness();
  const { next } = throughCookie(h);
  h.server.handle(handshakeRecord(11, 2, hex('000010 00000c 3082'), next)); // certificate list longer than sent
  assert.match(h.closed ?? '', /^decodeError: /);
  const alert = decodeRecords(h.sent.at(-1)!)[0]!;
  assert.equal(alert.type, 21);
  assert.deepEqual([...alert.fragment], [2, 50]);
  h.server.handle(handshakeRecord(1, 1, clientHelloBody(), next + 1));
  assert.equal(decodeRecords(h.sent.at(-1)!)[0]!.type, 21, 'nothing more after the close');
});

test('a message out of order is unexpected_message; epoch 1 garbage and application data are dropped', () => {
  const h = harness();
  const { next } = throughCookie(h);
  h.server.handle(encodeRecord(22, 1, 0, Buffer.alloc(48, 9)));
  h.server.handle(encodeRecord(23, 0, next, Buffer.from('hello')));
  assert.equal(h.closed, undefined);
  h.server.handle(handshakeRecord(16, 2, hex('20'), next + 1)); // ClientKeyExchange before Certificate
  assert.match(h.closed ?? '', /^unexpectedMessage: /);
});

test('offers WebRTC cannot use are refused with handshake_failure once the peer has its cookie', () => {
  for (const options of [
    { extensions: new Map([...defaultExtensions()].filter(([type]) => type !== 14)) }, // no use_srtp
    { suites: [0xc00a] }, // CBC only
    { extensions: new Map([...defaultExtensions(), [10, hex('0002 0018')]]) }, // only P-384
  ]) {
    const h = harness();
    throughCookie(h, options);
    assert.match(h.closed ?? '', /^handshakeFailure: /);
    assert.deepEqual([...decodeRecords(h.sent.at(-1)!)[0]!.fragment], [2, 40]);
  }
});

test('an unanswered flight is sent again on a doubling timer, then the session ends', () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    const h = harness();
    throughCookie(h);
    const flight = h.sent.length;
    mock.timers.tick(1000);
    assert.equal(h.sent.length, 2 * flight);
    mock.timers.tick(1000);
    assert.equal(h.sent.length, 2 * flight, 'the second wait is longer');
    mock.timers.tick(1000);
    assert.equal(h.sent.length, 3 * flight);
    for (let i = 0; i < 10 && !h.closed; i++) mock.timers.tick(8000);
    assert.match(h.closed ?? '', /timed out/);
  } finally {
    mock.timers.reset();
  }
});

test('close() after the hello says close_notify; before it says nothing', () => {
  const quiet = harness();
  quiet.server.close();
  assert.equal(quiet.sent.length, 0);
  assert.equal(quiet.closed, 'closed');
  const h = harness();
  throughCookie(h);
  h.server.close();
  assert.deepEqual([...decodeRecords(h.sent.at(-1)!)[0]!.fragment], [1, 0]);
  assert.equal(h.closed, 'closed');
});

test('fuzz: mutated client records never throw out of handle()', () => {
  const h = harness();
  const { next } = throughCookie(h);
  const samples = [handshakeRecord(1, 0, clientHelloBody(), 0), handshakeRecord(11, 2, hex('000000'), next), encodeRecord(21, 0, next, hex('0100'))];
  fc.assert(
    fc.property(fc.constantFrom(...samples), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), (sample, edits) => {
      const bytes = Buffer.from(sample);
      for (const [at, value] of edits) bytes[at % bytes.length] = value;
      const fresh = harness();
      throughCookie(fresh);
      fresh.server.handle(bytes);
      fresh.server.handle(bytes.subarray(0, bytes.length >> 1));
    }),
    fuzzRuns(300),
  );
});
