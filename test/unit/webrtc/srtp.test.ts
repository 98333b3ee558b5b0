import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { fuzzRuns } from '../../support/fuzz.js';
import { deriveKey, deriveSessionKeys, type SessionKeys } from '../../../src/protocols/webrtc/srtp/kdf.js';
import { SrtpAuthError, SrtpReplayError, SrtpSession, srtpSessions } from '../../../src/protocols/webrtc/srtp/session.js';
import type { SrtpProfile } from '../../../src/protocols/webrtc/srtp-profile.js';
import { ProtocolError } from '../../../src/util/errors.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const MASTER_KEY = hex('E1F97A0D3E018BE0D64FA32C06DE4139');
const MASTER_SALT = hex('0EC675AD498AFEEBB6960B3AABE6');
const PROFILES: SrtpProfile[] = ['AES_CM_128_HMAC_SHA1_80', 'AEAD_AES_128_GCM'];

function rtp(sequence: number, ssrc = 0x11223344, payload = Buffer.alloc(100, 0x5a), extras = ''): Buffer {
  const header = hex(`80 60 0000 00000000 00000000 ${extras}`);
  header.writeUInt16BE(sequence, 2);
  header.writeUInt32BE(sequence * 3000, 4);
  header.writeUInt32BE(ssrc, 8);
  return Buffer.concat([header, payload]);
}

function pair(profile: SrtpProfile): { sender: SrtpSession; receiver: SrtpSession } {
  const key = randomBytes(16);
  const salt = randomBytes(profile === 'AES_CM_128_HMAC_SHA1_80' ? 14 : 12);
  return { sender: new SrtpSession(profile, { key, salt }), receiver: new SrtpSession(profile, { key, salt }) };
}

test('RFC 3711 B.3 key derivation: cipher key, salt and auth key', () => {
  const keys = deriveSessionKeys('AES_CM_128_HMAC_SHA1_80', MASTER_KEY, MASTER_SALT);
  assert.equal(keys.rtpKey.toString('hex').toUpperCase(), 'C61E7A93744F39EE10734AFE3FF7A087');
  assert.equal(keys.rtpSalt.toString('hex').toUpperCase(), '30CBBC08863D8C85D49DB34A9AE1');
  assert.equal(keys.rtpAuth.toString('hex').toUpperCase(), 'CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4');
  assert.equal(
    deriveKey(MASTER_KEY, MASTER_SALT, 1, 94).toString('hex').toUpperCase(),
    'CEBE321F6FF7716B6FD4AB49AF256A156D38BAA48F0A0ACF3C34E2359E6CDBCEE049646C43D9327AD175578EF72270986371C10C9A369AC2F94A8C5FBCDDDC256D6E919A48B610EF17C2041E474035766B68642C59BBFC2F34DB60DBDFB2',
  );
});

test('RFC 3711 B.2 AES-CM keystream for SSRC 0, index 0', () => {
  const sessionKeys: SessionKeys = {
    rtpKey: hex('2B7E151628AED2A6ABF7158809CF4F3C'),
    rtpSalt: hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD'),
    rtpAuth: Buffer.alloc(20),
    rtcpKey: Buffer.alloc(16),
    rtcpSalt: Buffer.alloc(14),
    rtcpAuth: Buffer.alloc(20),
  };
  const session = new SrtpSession('AES_CM_128_HMAC_SHA1_80', { sessionKeys });
  const packet = session.protectRtp(rtp(0, 0, Buffer.alloc(48)));
  assert.equal(
    packet.subarray(12, 60).toString('hex').toUpperCase(),
    'E03EAD0935C95E80E166B16DD92B4EB4D23513162B02D0F72A43A2FE4A5F97AB41E95B3BB0A2E8DD477901E4FCA894C0',
  );
});

test('libsrtp srtp_validate vectors: AES_CM_128_HMAC_SHA1_80 RTP and RTCP, both ways', () => {
  const plainRtp = hex('800f1234decafbadcafebabe' + 'ab'.repeat(16));
  const srtp = hex('800f1234decafbadcafebabe 4e55dc4ce79978d88ca4d215949d2402 b78d6acc99ea179b8dbb');
  const plainRtcp = hex('81c8000bcafebabe' + 'ab'.repeat(16));
  const srtcp = hex('81c8000bcafebabe 7128035be487b9bdbef89041f977a5a8 80000001 993e08cd54d6c1230798');
  const sender = new SrtpSession('AES_CM_128_HMAC_SHA1_80', { key: MASTER_KEY, salt: MASTER_SALT });
  assert.deepEqual(sender.protectRtp(plainRtp), srtp);
  assert.deepEqual(sender.protectRtcp(plainRtcp), srtcp);
  const receiver = new SrtpSession('AES_CM_128_HMAC_SHA1_80', { key: MASTER_KEY, salt: MASTER_SALT });
  assert.deepEqual(receiver.unprotectRtp(srtp), plainRtp);
  assert.deepEqual(receiver.unprotectRtcp(srtcp), plainRtcp);
});

/** RFC 7714 16 and 17 use session keys directly: key 000102..0f, salt "Quid pro quo". */
const GCM_SESSION: SessionKeys = {
  rtpKey: hex('000102030405060708090a0b0c0d0e0f'),
  rtpSalt: hex('517569642070726f2071756f'),
  rtpAuth: Buffer.alloc(0),
  rtcpKey: hex('000102030405060708090a0b0c0d0e0f'),
  rtcpSalt: hex('517569642070726f2071756f'),
  rtcpAuth: Buffer.alloc(0),
};

test('RFC 7714 16.1 AEAD_AES_128_GCM RTP vector', () => {
  const plain = hex('8040f17b 8041f8d3 5501a0b2 47616c6c 69612065 7374206f 6d6e6973 20646976 69736120 696e2070 61727465 73207472 6573');
  const sealed = hex(
    '8040f17b 8041f8d3 5501a0b2 f24de3a3 fb34de6c acba861c 9d7e4bca be633bd5 0d294e6f 42a5f47a 51c7d19b 36de3adf 8833899d 7f27beb1 6a9152cf 765ee439 0cce',
  );
  assert.deepEqual(new SrtpSession('AEAD_AES_128_GCM', { sessionKeys: GCM_SESSION }).protectRtp(plain), sealed);
  assert.deepEqual(new SrtpSession('AEAD_AES_128_GCM', { sessionKeys: GCM_SESSION }).unprotectRtp(sealed), plain);
});

test('RFC 7714 17.1 AEAD_AES_128_GCM SRTCP vector (index 0x5d4)', () => {
  const plain = hex('81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61 deadbeef deadbeef deadbeef deadbeef deadbeef');
  const sealed = hex(
    '81c8000d4d617273 63e94885dcdab67ca727d7662f6b7e997ff5c0f76c06f32dc676a5f1730d6fda4ce09b4686303ded0bb9275b c84aa45896cf4d2fc5abf87245d9eade 800005d4',
  );
  assert.deepEqual(new SrtpSession('AEAD_AES_128_GCM', { sessionKeys: GCM_SESSION }).unprotectRtcp(sealed), plain);
});

test('GCM key derivation pads the 96-bit master salt as libsrtp does', () => {
  const key = Buffer.from([...Array(16).keys()]);
  const salt = Buffer.from(Array.from({ length: 12 }, (_, i) => 0x40 + i));
  assert.equal(deriveSessionKeys('AEAD_AES_128_GCM', key, salt).rtpSalt.toString('hex'), '1fcd5d561e66dc49ec1c3ccb');
});

for (const profile of PROFILES) {
  test(`${profile}: RTP with CSRC and header extension, and RTCP, round-trip; header stays clear`, () => {
    const { sender, receiver } = pair(profile);
    const packet = rtp(1, 0xabcdef01, randomBytes(900), '').subarray(0);
    packet[0] = 0x91; // X bit, one CSRC
    const withExtras = Buffer.concat([packet.subarray(0, 12), hex('cafef00d bede0001 10ff0000'), packet.subarray(12)]);
    const sealed = sender.protectRtp(withExtras);
    assert.deepEqual(sealed.subarray(0, 24), withExtras.subarray(0, 24));
    assert.notDeepEqual(sealed.subarray(24, 40), withExtras.subarray(24, 40));
    assert.deepEqual(receiver.unprotectRtp(sealed), withExtras);
    const rtcp = hex('81c90007 11223344 55667788 00000001 00001234 00000010 00000000 00000000');
    assert.deepEqual(receiver.unprotectRtcp(sender.protectRtcp(rtcp)), rtcp);
  });

  test(`${profile}: replays and tampering are refused with typed errors, and the stream goes on`, () => {
    const { sender, receiver } = pair(profile);
    const first = sender.protectRtp(rtp(100));
    receiver.unprotectRtp(first);
    assert.throws(() => receiver.unprotectRtp(first), SrtpReplayError);
    const tampered = Buffer.from(sender.protectRtp(rtp(101)));
    tampered[20]! ^= 0x01;
    assert.throws(() => receiver.unprotectRtp(tampered), SrtpAuthError);
    assert.ok(receiver.unprotectRtp(sender.protectRtp(rtp(102))));
    const rtcp = sender.protectRtcp(hex('80c80006 11223344 00000000 00000000 00000000 00000000 00000000'));
    receiver.unprotectRtcp(rtcp);
    assert.throws(() => receiver.unprotectRtcp(rtcp), SrtpReplayError);
    const badRtcp = Buffer.from(sender.protectRtcp(hex('80c80006 11223344 00000000 00000000 00000000 00000000 00000000')));
    badRtcp[10]! ^= 0x80;
    assert.throws(() => receiver.unprotectRtcp(badRtcp), SrtpAuthError);
    // Forged packets under new SSRCs leave no state behind.
    for (let ssrc = 1; ssrc <= 100; ssrc++) {
      const forged = Buffer.concat([rtp(1, ssrc), Buffer.alloc(16)]);
      assert.throws(() => receiver.unprotectRtp(forged), SrtpAuthError);
    }
    assert.equal(receiver.ssrcCount, 1);
  });

  test(`${profile}: the rollover counter follows a sequence wrap, with reordering around it`, () => {
    const { sender, receiver } = pair(profile);
    const sealed = new Map<number, Buffer>();
    for (let i = 0; i < 300; i++) {
      const sequence = (65_400 + i) & 0xffff;
      sealed.set(i, sender.protectRtp(rtp(sequence, 0x42, Buffer.from([i & 0xff]))));
    }
    // Deliver out of order across the wrap: 0..134, then 140..299, then the late 135..139.
    const order = [...Array(135).keys(), ...Array.from({ length: 160 }, (_, i) => 140 + i), 135, 136, 137, 138, 139];
    for (const i of order) assert.equal(receiver.unprotectRtp(sealed.get(i)!).at(-1), i & 0xff, `packet ${i}`);
  });

  test(`${profile}: packets older than the replay window are refused; retransmissions inside it are accepted once`, () => {
    const { sender, receiver } = pair(profile);
    const old = sender.protectRtp(rtp(1));
    for (let s = 2; s < 1100; s++) receiver.unprotectRtp(sender.protectRtp(rtp(s)));
    assert.throws(() => receiver.unprotectRtp(old), SrtpReplayError);
    const { sender: s2, receiver: r2 } = pair(profile);
    const missed = s2.protectRtp(rtp(10));
    for (let s = 11; s < 500; s++) r2.unprotectRtp(s2.protectRtp(rtp(s)));
    assert.ok(r2.unprotectRtp(missed));
    assert.throws(() => r2.unprotectRtp(missed), SrtpReplayError);
  });

  test(`${profile}: srtpSessions pairs our outbound with the peer's inbound`, () => {
    const localKey = randomBytes(16);
    const remoteKey = randomBytes(16);
    const saltLength = profile === 'AES_CM_128_HMAC_SHA1_80' ? 14 : 12;
    const localSalt = randomBytes(saltLength);
    const remoteSalt = randomBytes(saltLength);
    const ours = srtpSessions({ profile, localKey, localSalt, remoteKey, remoteSalt });
    const theirs = srtpSessions({ profile, localKey: remoteKey, localSalt: remoteSalt, remoteKey: localKey, remoteSalt: localSalt });
    assert.deepEqual(theirs.inbound.unprotectRtp(ours.outbound.protectRtp(rtp(7))), rtp(7));
    assert.deepEqual(ours.inbound.unprotectRtp(theirs.outbound.protectRtp(rtp(8))), rtp(8));
  });

  test(`${profile}: malformed SRTP and SRTCP are ProtocolErrors`, () => {
    const { receiver } = pair(profile);
    for (const bad of [Buffer.alloc(0), hex('80'), hex('00600001 00000000 00000000 00'), hex('90600001 00000000 00000000 bede')]) {
      assert.throws(() => receiver.unprotectRtp(bad), ProtocolError);
    }
    assert.throws(() => receiver.unprotectRtp(rtp(1, 1, Buffer.alloc(3))), ProtocolError);
    assert.throws(() => receiver.unprotectRtcp(hex('80c80001 11223344')), ProtocolError);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        const data = Buffer.from(bytes);
        if (data.length > 0) data[0] = 0x80 | (data[0]! & 0x3f);
        assert.throws(() => receiver.unprotectRtp(data), ProtocolError);
        assert.throws(() => receiver.unprotectRtcp(data), ProtocolError);
      }),
      fuzzRuns(300),
    );
  });
}
