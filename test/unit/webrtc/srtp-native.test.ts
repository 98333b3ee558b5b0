import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import type { SessionKeys } from '../../../src/protocols/webrtc/srtp/kdf.js';
import { SrtpSession } from '../../../src/protocols/webrtc/srtp/session.js';
import { SrtpTransform } from '../../../src/protocols/webrtc/srtp/transform.js';
import type { SrtpProfile } from '../../../src/protocols/webrtc/srtp-profile.js';
import { ProtocolError } from '../../../src/util/errors.js';
import { Slab } from '../../../src/util/slab.js';

// The native context (native/srtp) against references built from node:crypto one packet at a
// time, and against itself reused: keyed once, it must carry nothing from one packet to the next.

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const PROFILES: SrtpProfile[] = ['AES_CM_128_HMAC_SHA1_80', 'AEAD_AES_128_GCM'];

function sessionKeys(profile: SrtpProfile): SessionKeys {
  const gcm = profile === 'AEAD_AES_128_GCM';
  return {
    rtpKey: randomBytes(16),
    rtpSalt: randomBytes(gcm ? 12 : 14),
    rtpAuth: gcm ? Buffer.alloc(0) : randomBytes(20),
    rtcpKey: randomBytes(16),
    rtcpSalt: randomBytes(gcm ? 12 : 14),
    rtcpAuth: gcm ? Buffer.alloc(0) : randomBytes(20),
  };
}

function rtp(sequence: number, payload: Buffer, ssrc = 0x8badf00d): Buffer {
  const header = hex('80 60 0000 00000000 00000000');
  header.writeUInt16BE(sequence, 2);
  header.writeUInt32BE(ssrc, 8);
  return Buffer.concat([header, payload]);
}

const u32 = (n: number): Buffer => Buffer.from([n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
const be = (n: bigint, bytes: number): Buffer => Buffer.from(n.toString(16).padStart(bytes * 2, '0'), 'hex');

/** RFC 3711 4.1.1: (salt << 16) XOR (SSRC << 64) XOR (index << 16), as 128 bits. */
function cmIv(salt: Buffer, ssrc: number, index: bigint): Buffer {
  return be((BigInt(`0x${salt.toString('hex')}`) << 16n) ^ (BigInt(ssrc) << 64n) ^ (index << 16n), 16);
}

function referenceCmRtp(keys: SessionKeys, packet: Buffer, index: bigint): Buffer {
  const header = packet.subarray(0, 12);
  const body = createCipheriv('aes-128-ctr', keys.rtpKey, cmIv(keys.rtpSalt, packet.readUInt32BE(8), index)).update(packet.subarray(12));
  const tag = createHmac('sha1', keys.rtpAuth).update(header).update(body).update(u32(Number(index >> 16n))).digest().subarray(0, 10);
  return Buffer.concat([header, body, tag]);
}

function referenceGcmRtp(keys: SessionKeys, packet: Buffer, roc: number): Buffer {
  const iv = Buffer.concat([Buffer.alloc(2), packet.subarray(8, 12), u32(roc), packet.subarray(2, 4)]);
  for (let i = 0; i < 12; i++) iv[i]! ^= keys.rtpSalt[i]!;
  const cipher = createCipheriv('aes-128-gcm', keys.rtpKey, iv);
  cipher.setAAD(packet.subarray(0, 12));
  const body = Buffer.concat([cipher.update(packet.subarray(12)), cipher.final()]);
  return Buffer.concat([packet.subarray(0, 12), body, cipher.getAuthTag()]);
}

test('RFC 7714 17.1 AEAD_AES_128_GCM SRTCP vector, protected at SRTCP index 0x5d4', () => {
  const key = hex('000102030405060708090a0b0c0d0e0f');
  const salt = hex('517569642070726f2071756f');
  const transform = new SrtpTransform('AEAD_AES_128_GCM', { rtpKey: key, rtpSalt: salt, rtpAuth: Buffer.alloc(0), rtcpKey: key, rtcpSalt: salt, rtcpAuth: Buffer.alloc(0) }, new Slab());
  const plain = hex('81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61 deadbeef deadbeef deadbeef deadbeef deadbeef');
  const sealed = hex(
    '81c8000d4d617273 63e94885dcdab67ca727d7662f6b7e997ff5c0f76c06f32dc676a5f1730d6fda4ce09b4686303ded0bb9275b c84aa45896cf4d2fc5abf87245d9eade 800005d4',
  );
  assert.deepEqual(transform.protectRtcp(plain, 0x4d617273, 0x5d4), sealed);
  assert.deepEqual(transform.unprotectRtcp(sealed, 0x4d617273, 0x5d4, true), plain);
});

test('AES-CM: packet indices past 2^32 (rollover counter past 65535) match node:crypto', () => {
  const keys = sessionKeys('AES_CM_128_HMAC_SHA1_80');
  const transform = new SrtpTransform('AES_CM_128_HMAC_SHA1_80', keys, new Slab());
  for (const roc of [0, 1, 0xffff, 0x10000, 0x1234567, 0xffffffff]) {
    const packet = rtp(0xfffe, randomBytes(1000));
    const index = BigInt(roc) * 0x10000n + 0xfffen;
    assert.deepEqual(transform.protectRtp(packet, 12, Number(index)), referenceCmRtp(keys, packet, index), `ROC ${roc}`);
  }
});

test('GCM: packets match node:crypto whatever the rollover counter', () => {
  const keys = sessionKeys('AEAD_AES_128_GCM');
  const transform = new SrtpTransform('AEAD_AES_128_GCM', keys, new Slab());
  for (const roc of [0, 1, 0x10000, 0xffffffff]) {
    const packet = rtp(7, randomBytes(333));
    assert.deepEqual(transform.protectRtp(packet, 12, roc * 0x10000 + 7), referenceGcmRtp(keys, packet, roc), `ROC ${roc}`);
  }
});

for (const profile of PROFILES) {
  test(`${profile}: one context, reused, seals each packet as a fresh one would, also after a refused packet`, () => {
    const keys = sessionKeys(profile);
    const reused = new SrtpTransform(profile, keys, new Slab(4096));
    const packets = [rtp(1, randomBytes(1200)), rtp(2, Buffer.alloc(0)), rtp(3, randomBytes(17)), rtp(4, randomBytes(1199))];
    for (const [i, packet] of packets.entries()) {
      const sealed = reused.protectRtp(packet, 12, i);
      assert.deepEqual(sealed, new SrtpTransform(profile, keys, new Slab()).protectRtp(packet, 12, i), `packet ${i}`);
      const forged = Buffer.from(sealed);
      forged[forged.length - 1]! ^= 1;
      assert.equal(reused.unprotectRtp(forged, 12, i), undefined);
      assert.deepEqual(reused.unprotectRtp(sealed, 12, i), packet);
    }
  });

  test(`${profile}: a change to any bit of an SRTP or SRTCP packet is refused, and the genuine packet still passes`, () => {
    const keys = sessionKeys(profile);
    const sender = new SrtpSession(profile, { sessionKeys: keys });
    const sealed = sender.protectRtp(rtp(5, randomBytes(40)));
    const sealedRtcp = sender.protectRtcp(hex('80c90001 8badf00d'));
    for (const [packet, open] of [[sealed, 'unprotectRtp'], [sealedRtcp, 'unprotectRtcp']] as const) {
      for (let at = 0; at < packet.length; at++) {
        for (let bit = 0; bit < 8; bit++) {
          const tampered = Buffer.from(packet);
          tampered[at]! ^= 1 << bit;
          // Fresh each time, so a refusal is the tag's, not the replay window's.
          assert.throws(() => new SrtpSession(profile, { sessionKeys: keys })[open](tampered), ProtocolError, `${open} byte ${at} bit ${bit}`);
        }
      }
      const receiver = new SrtpSession(profile, { sessionKeys: keys });
      assert.ok(receiver[open](packet));
      assert.throws(() => receiver[open](packet), /replay/);
    }
  });

  test(`${profile}: unencrypted SRTCP (E flag clear) from node:crypto is accepted, and refused when changed`, () => {
    const keys = sessionKeys(profile);
    const rtcp = hex('81c90007 11223344 55667788 00000001 00001234 00000010 00000000 00000000');
    const index = u32(0x2a);
    let packet: Buffer;
    if (profile === 'AEAD_AES_128_GCM') {
      // RFC 7714 9.2: the RTCP and E+index are all authenticated data, nothing is encrypted.
      const iv = Buffer.concat([Buffer.alloc(2), rtcp.subarray(4, 8), Buffer.alloc(2), index]);
      for (let i = 0; i < 12; i++) iv[i]! ^= keys.rtcpSalt[i]!;
      const cipher = createCipheriv('aes-128-gcm', keys.rtcpKey, iv);
      cipher.setAAD(Buffer.concat([rtcp, index]));
      cipher.final();
      packet = Buffer.concat([rtcp, cipher.getAuthTag(), index]);
    } else {
      const tag = createHmac('sha1', keys.rtcpAuth).update(rtcp).update(index).digest().subarray(0, 10);
      packet = Buffer.concat([rtcp, index, tag]);
    }
    const transform = new SrtpTransform(profile, keys, new Slab());
    const changed = Buffer.from(packet);
    changed[12]! ^= 0x40;
    assert.equal(transform.unprotectRtcp(changed, 0x11223344, 0x2a, false), undefined);
    assert.deepEqual(transform.unprotectRtcp(packet, 0x11223344, 0x2a, false), rtcp);
  });
}
