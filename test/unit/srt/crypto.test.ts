import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fuzzRuns } from '../../support/fuzz.js';
import { readFileSync } from 'node:fs';
import { SrtKeys, WrongSecret, counterIv, deriveKek, unwrapKeys, wrapKeys } from '../../../src/protocols/srt/crypto.js';
import { ExtensionType } from '../../../src/protocols/srt/extensions.js';
import { ExtFlag, decodeHandshake } from '../../../src/protocols/srt/handshake.js';
import { Cipher, KeyFlag, decodeKm, encodeKm } from '../../../src/protocols/srt/km.js';
import { ControlType, decodePacket, type DataPacket } from '../../../src/protocols/srt/packet.js';
import { SrtSender } from '../../../src/protocols/srt/sender.js';
import { ProtocolError } from '../../../src/util/errors.js';
import { conclusionResponse, readConclusion, unlock, HandshakeRefused, checkEncryption } from '../../../src/servers/srt/srt-handshake.js';
import { RejectReason } from '../../../src/protocols/srt/reject.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** A real exchange between libsrt 1.5.1 peers (see its note): the reference these tests hold us to. */
const capture = JSON.parse(readFileSync(new URL('../../fixtures/srt-encrypted-libsrt-1.5.1.json', import.meta.url), 'utf8')) as {
  passphrase: string;
  conclusion: string;
  conclusionAnswer: string;
  refresh: string;
  refreshAnswer: string;
  even: string[];
  odd: string[];
};
const packet = (datagram: string) => decodePacket(hex(datagram));
const handshakeOf = (datagram: string) => {
  const p = packet(datagram);
  assert.ok(p.kind === 'control' && p.type === ControlType.Handshake);
  return decodeHandshake(p.body);
};
const kmreq = (): Buffer => handshakeOf(capture.conclusion).extensions.find((ext) => ext.type === ExtensionType.KmReq)!.content;
const data = (datagram: string): DataPacket => {
  const p = packet(datagram);
  assert.ok(p.kind === 'data');
  return p;
};

/** Decrypted MPEG-TS: 188-byte packets, each starting with the sync byte. */
function assertTs(payload: Buffer | undefined): void {
  assert.ok(payload && payload.length > 0 && payload.length % 188 === 0, `payload of ${payload?.length} bytes`);
  for (let offset = 0; offset < payload.length; offset += 188) assert.equal(payload[offset], 0x47, `sync byte at ${offset}`);
}

test('RFC 3394 key wrap vectors (4.1, 4.4, 4.6): wrap and unwrap with 128, 192 and 256-bit KEKs', () => {
  const vectors = [
    ['000102030405060708090A0B0C0D0E0F', '00112233445566778899AABBCCDDEEFF', '1FA68B0A8112B447 AEF34BD8FB5A7B82 9D3E862371D2CFE5'],
    [
      '000102030405060708090A0B0C0D0E0F1011121314151617',
      '00112233445566778899AABBCCDDEEFF0001020304050607',
      '031D33264E15D332 68F24EC260743EDC E1C6C7DDEE725A93 6BA814915C6762D2',
    ],
    [
      '000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F',
      '00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F',
      '28C9F404C4B810F4 CBCCB35CFB87F826 3F5786E2D80ED326 CBC7F0E71A99F43B FB988B9B7A02DD21',
    ],
  ] as const;
  for (const [kek, key, wrapped] of vectors) {
    assert.deepEqual(wrapKeys(hex(kek), hex(key)), hex(wrapped));
    assert.deepEqual(unwrapKeys(hex(kek), hex(wrapped)), hex(key));
  }
  const tampered = hex(vectors[0][2]);
  tampered[3]! ^= 1;
  assert.throws(() => unwrapKeys(hex(vectors[0][0]), tampered), WrongSecret);
});

test('KM message: libsrt\'s KMREQ decodes field by field and encodes back to the same bytes', () => {
  const bytes = kmreq();
  const km = decodeKm(bytes);
  assert.equal(bytes.readUInt32BE(0), 0x12202901); // version 1, type KM, sign 0x2029, even key
  assert.equal(km.keys, KeyFlag.Even);
  assert.equal(km.keki, 0);
  assert.equal(km.cipher, Cipher.AesCtr);
  assert.equal(km.se, 2);
  assert.equal(km.salt.length, 16);
  assert.equal(km.keyLength, 32);
  assert.equal(km.wrapped.length, 32 + 8);
  assert.deepEqual(encodeKm(km), bytes);
  // The refresh announces both keys: even then odd, wrapped together.
  const refresh = decodeKm((packet(capture.refresh) as { body: Buffer }).body);
  assert.equal(refresh.keys, KeyFlag.Both);
  assert.equal(refresh.wrapped.length, 2 * 32 + 8);
});

test('KM message: truncated, foreign and odd-sized ones are refused', () => {
  const bytes = kmreq();
  assert.throws(() => decodeKm(bytes.subarray(0, 12)), ProtocolError);
  assert.throws(() => decodeKm(bytes.subarray(0, bytes.length - 4)), ProtocolError);
  for (const [offset, value] of [[0, 0x22], [1, 0x21], [3, 0], [15, 5], [14, 2]] as const) {
    const bad = Buffer.from(bytes);
    bad[offset] = value;
    assert.throws(() => decodeKm(bad), ProtocolError, `byte ${offset} = ${value}`);
  }
});

test('CTR IV: the salt\'s first 14 bytes XOR the sequence number at bytes 10..13; the block counter starts at 0', () => {
  const salt = hex('00112233445566778899aabbccddeeff');
  assert.deepEqual(counterIv(salt, 0x01020304), hex('00112233445566778899 abb9cfd9 0000'));
  assert.deepEqual(counterIv(Buffer.alloc(16), 0x7fffffff), hex('00000000000000000000 7fffffff 0000'));
});

test('the passphrase unwraps libsrt\'s key (PBKDF2 over the salt\'s last 8 bytes) and the key decrypts its packets to MPEG-TS', async () => {
  const km = decodeKm(kmreq());
  const kek = await deriveKek(capture.passphrase, km.salt, km.keyLength);
  assert.equal(unwrapKeys(kek, km.wrapped).length, 32);
  const keys = await SrtKeys.open(km, capture.passphrase);
  assert.equal(keys.keyLength, 32);
  assert.equal(keys.sendKeyFlag, KeyFlag.Even);
  for (const datagram of capture.even) {
    const p = data(datagram);
    assert.equal(p.keyFlag, KeyFlag.Even);
    assertTs(keys.decrypt(p.keyFlag, p.seq, p.payload));
  }
  // Odd-key packets wait for the refresh that announces the odd key.
  const odd = data(capture.odd[0]!);
  assert.equal(odd.keyFlag, KeyFlag.Odd);
  assert.equal(keys.decrypt(odd.keyFlag, odd.seq, odd.payload), undefined);
  assert.equal(keys.decrypt(KeyFlag.None, odd.seq, odd.payload), undefined);
  await assert.rejects(SrtKeys.open(km, 'another passphrase'), WrongSecret);
});

test('key refresh: the KMREQ control packet gives the odd key; even and odd packets both decrypt after it', async () => {
  const keys = await SrtKeys.open(decodeKm(kmreq()), capture.passphrase);
  const refresh = packet(capture.refresh);
  assert.ok(refresh.kind === 'control' && refresh.type === ControlType.UserDefined && refresh.subtype === ExtensionType.KmReq);
  keys.refresh(decodeKm(refresh.body));
  for (const datagram of [...capture.odd, ...capture.even]) {
    const p = data(datagram);
    assertTs(keys.decrypt(p.keyFlag, p.seq, p.payload));
  }
  // libsrt's answer is the KM echoed, as ours is.
  const answer = packet(capture.refreshAnswer);
  assert.ok(answer.kind === 'control' && answer.subtype === ExtensionType.KmRsp);
  assert.deepEqual(answer.body, refresh.body);
  assert.equal(keys.sendKeyFlag, KeyFlag.Even, 'we keep sending with the handshake\'s key');
});

test('handshake: a KMREQ is answered with HSRSP then the KMREQ echoed as KMRSP, as libsrt\'s listener does', async () => {
  const request = handshakeOf(capture.conclusion);
  const conclusion = readConclusion(request);
  assert.ok(conclusion.km);
  const secured = await unlock(conclusion.km, capture.passphrase);
  const peer = { address: '127.0.0.1', family: 'IPv4' as const, port: 5000, size: 0 };
  const terms = { mtu: 1500, flowWindow: 8192, receiveLatencyMs: 120, peerLatencyMs: 0, tooLateDrop: true, tsbpd: true, maxBandwidth: 1e9, idleTimeoutMs: 5000 };
  const ours = handshakeOf(conclusionResponse(request, peer, 99, terms, secured).toString('hex'));
  const libsrt = handshakeOf(capture.conclusionAnswer);
  assert.equal(ours.extension, ExtFlag.HsReq | ExtFlag.KmReq);
  assert.equal(ours.extension, libsrt.extension);
  assert.deepEqual(ours.extensions.map((ext) => ext.type), libsrt.extensions.map((ext) => ext.type));
  assert.deepEqual(ours.extensions[1]!.content, libsrt.extensions[1]!.content);
  assert.equal(ours.encryption, 32 / 8);

  // Another passphrase: SRT_REJ_BADSECRET; encryption on one side only: SRT_REJ_UNSECURE.
  await assert.rejects(unlock(conclusion.km, 'not the passphrase'), (error) => error instanceof HandshakeRefused && error.reason === RejectReason.BadSecret);
  assert.throws(() => checkEncryption(conclusion, false), (error) => error instanceof HandshakeRefused && error.reason === RejectReason.Unsecure);
  const clear = { ...request, extensions: request.extensions.filter((ext) => ext.type !== ExtensionType.KmReq) };
  assert.throws(() => checkEncryption(readConclusion(clear), true), (error) => error instanceof HandshakeRefused && error.reason === RejectReason.Unsecure);
  // A cipher other than AES-CTR (libsrt 1.5.2's AES-GCM) is a crypto conflict.
  const gcm = Buffer.from(conclusion.km);
  gcm[8] = Cipher.AesGcm;
  await assert.rejects(unlock(gcm, capture.passphrase), (error) => error instanceof HandshakeRefused && error.reason === RejectReason.Crypto);
});

test('sender: payloads leave encrypted under the even key with KK set, and resends carry the same bytes', async () => {
  const keys = await SrtKeys.open(decodeKm(kmreq()), capture.passphrase);
  const out: Buffer[] = [];
  const sender = new SrtSender({ initialSeq: 500, peerId: 7, latencyMs: 1000, tooLateDrop: true, maxBandwidth: 1e12, maxUnacked: 100, cipher: keys }, (d) => out.push(d));
  const ts = Buffer.alloc(188 * 7 * 2);
  for (let offset = 0; offset < ts.length; offset += 188) ts[offset] = 0x47;
  sender.send(ts, 0);
  sender.pump(1000);
  sender.onNak([{ first: 501, last: 501 }], 2000);
  sender.pump(3000);
  const sent = out.map(decodePacket).filter((p): p is DataPacket => p.kind === 'data');
  assert.deepEqual(sent.map((p) => [p.seq, p.keyFlag, p.retransmitted]), [[500, 1, false], [501, 1, false], [501, 1, true]]);
  assert.notEqual(sent[0]!.payload[0], 0x47);
  assert.deepEqual(sent[2]!.payload, sent[1]!.payload);
  for (const p of sent) assertTs(keys.decrypt(p.keyFlag, p.seq, p.payload));
});

test('key refresh under another passphrase is refused, and the keys in use stay', async () => {
  const keys = await SrtKeys.open(decodeKm(kmreq()), capture.passphrase);
  const refresh = decodeKm((packet(capture.refresh) as { body: Buffer }).body);
  const kek = await deriveKek('someone else entirely', refresh.salt, refresh.keyLength);
  const foreign = { ...refresh, wrapped: wrapKeys(kek, Buffer.alloc(2 * refresh.keyLength, 7)) };
  assert.throws(() => keys.refresh(decodeKm(encodeKm(foreign))), WrongSecret);
  const even = data(capture.even[0]!);
  assertTs(keys.decrypt(even.keyFlag, even.seq, even.payload));
});

test('property: decodeKm takes any bytes, and a KM it reads either unwraps or is refused with WrongSecret or ProtocolError', async () => {
  const base = kmreq();
  const mutated = fc.tuple(fc.nat({ max: base.length + 8 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }));
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
      try {
        decodeKm(Buffer.from(bytes));
      } catch (error) {
        assert.ok(error instanceof ProtocolError, String(error));
      }
    }),
    fuzzRuns(1000),
  );
  // Structure-aware: libsrt's KMREQ cut short and with bytes changed; a few go on to be unwrapped.
  const readable: Buffer[] = [];
  fc.assert(
    fc.property(mutated, ([length, edits]) => {
      const bytes = Buffer.concat([base, Buffer.alloc(8)]).subarray(0, length);
      for (const [at, value] of edits) if (bytes.length > 0) bytes[at % bytes.length] = value;
      try {
        decodeKm(bytes);
        if (readable.length < 20) readable.push(Buffer.from(bytes));
      } catch (error) {
        assert.ok(error instanceof ProtocolError, String(error));
      }
    }),
    fuzzRuns(1000),
  );
  for (const bytes of readable) {
    await SrtKeys.open(decodeKm(bytes), capture.passphrase).catch((error: unknown) => assert.ok(error instanceof WrongSecret || error instanceof ProtocolError, String(error)));
  }
});
