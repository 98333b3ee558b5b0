import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { generateCertificate } from '../../../src/protocols/webrtc/certificate.js';
import { oid, tlv, unsignedInteger, utcTime } from '../../../src/protocols/webrtc/dtls/der.js';

test('the generated certificate parses with openssl x509 -inform der, self-signed ECDSA P-256', () => {
  const now = new Date('2026-03-01T12:00:00Z');
  const cert = generateCertificate(now);
  const text = execFileSync('openssl', ['x509', '-inform', 'der', '-noout', '-text', '-fingerprint', '-sha256'], { input: cert.der }).toString();
  assert.match(text, /Version: 3 \(0x2\)/);
  assert.match(text, /Signature Algorithm: ecdsa-with-SHA256/);
  assert.match(text, /ASN1 OID: prime256v1/);
  assert.match(text, /Not Before: Feb 28 12:00:00 2026 GMT/);
  assert.match(text, new RegExp(`sha256 Fingerprint=${cert.fingerprint}`));
  assert.match(cert.fingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  const x509 = new X509Certificate(cert.der);
  assert.ok(x509.verify(x509.publicKey), 'signature checks with its own key');
  assert.ok(x509.checkPrivateKey(cert.privateKey));
});

test('each certificate has its own key and serial', () => {
  const a = new X509Certificate(generateCertificate().der);
  const b = new X509Certificate(generateCertificate().der);
  assert.notEqual(a.serialNumber, b.serialNumber);
  assert.notEqual(a.fingerprint256, b.fingerprint256);
});

test('DER: long lengths, minimal positive integers, OIDs and UTCTime as X.690 writes them', () => {
  assert.deepEqual(tlv(0x04, Buffer.alloc(200)).subarray(0, 3), Buffer.from([0x04, 0x81, 200]));
  assert.deepEqual(tlv(0x04, Buffer.alloc(300)).subarray(0, 4), Buffer.from([0x04, 0x82, 0x01, 0x2c]));
  assert.deepEqual(unsignedInteger(Buffer.from([0, 0, 0x80])), Buffer.from([0x02, 0x02, 0x00, 0x80]));
  assert.deepEqual(unsignedInteger(Buffer.from([0, 0x7f])), Buffer.from([0x02, 0x01, 0x7f]));
  assert.deepEqual(oid('1.2.840.10045.4.3.2'), Buffer.from('06082a8648ce3d040302', 'hex'));
  assert.equal(utcTime(new Date('2049-12-31T23:59:58Z')).subarray(2).toString(), '491231235958Z');
});
