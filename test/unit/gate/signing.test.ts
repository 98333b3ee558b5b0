import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { secretKey, signedHeaders } from '../../../src/gate/signing.js';
import { verifyWebhook } from '../../../src/index.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const BODY = '{"action":"on_publish"}';
const NOW = 1_700_000_000_000;

test('signs id.timestamp.body with HMAC-SHA256 of the decoded whsec_ key (Standard Webhooks)', () => {
  const headers = signedHeaders(secretKey(SECRET), 'msg_1', BODY, NOW);
  const key = Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64');
  const expected = createHmac('sha256', key).update(`msg_1.1700000000.${BODY}`).digest('base64');
  assert.deepEqual(headers, { 'webhook-id': 'msg_1', 'webhook-timestamp': '1700000000', 'webhook-signature': `v1,${expected}` });
});

test('a plain-text secret is used as its UTF-8 bytes', () => {
  const headers = signedHeaders(secretKey('s3cret é'), 'msg_2', BODY, NOW);
  const expected = createHmac('sha256', Buffer.from('s3cret é', 'utf8')).update(`msg_2.1700000000.${BODY}`).digest('base64');
  assert.equal(headers['webhook-signature'], `v1,${expected}`);
  assert.equal(verifyWebhook('s3cret é', headers, BODY, { now: NOW }).ok, true);
});

test('verifyWebhook accepts a genuine call, from Node headers or fetch Headers, body as text or bytes', () => {
  const headers = signedHeaders(secretKey(SECRET), 'msg_3', BODY, NOW);
  assert.deepEqual(verifyWebhook(SECRET, headers, BODY, { now: NOW }), { ok: true, id: 'msg_3', timestamp: 1_700_000_000 });
  assert.equal(verifyWebhook(SECRET, new Headers(headers), Buffer.from(BODY), { now: NOW + 60_000 }).ok, true);
});

test('verifyWebhook rejects tampering, a wrong secret, missing headers and stale timestamps', () => {
  const headers = signedHeaders(secretKey(SECRET), 'msg_4', BODY, NOW);
  const reject = (h: Record<string, string>, body = BODY, options = { now: NOW }) => verifyWebhook(SECRET, h, body, options);
  assert.deepEqual(reject(headers, BODY.replace('publish', 'play')), { ok: false, reason: 'no signature matches' });
  assert.equal(reject({ ...headers, 'webhook-id': 'msg_5' }).ok, false);
  assert.equal(reject({ ...headers, 'webhook-timestamp': String(NOW / 1000 + 1) }).ok, false);
  assert.equal(verifyWebhook('whsec_b3RoZXI=', headers, BODY, { now: NOW }).ok, false);
  assert.match(String((reject({ 'webhook-id': 'x' }) as { reason: string }).reason), /missing/);
  assert.match(String((reject(headers, BODY, { now: NOW + 301_000 }) as { reason: string }).reason), /more than 300 s/);
  assert.equal(verifyWebhook(SECRET, headers, BODY, { now: NOW + 301_000, toleranceSeconds: 600 }).ok, true);
  assert.equal(reject({ ...headers, 'webhook-timestamp': '1e9' }).ok, false);
});

test('verifyWebhook accepts any one of several signatures (key rotation)', () => {
  const headers = signedHeaders(secretKey(SECRET), 'msg_6', BODY, NOW);
  const rotated = { ...headers, 'webhook-signature': `v1,bm90IGl0 ${headers['webhook-signature']}` };
  assert.equal(verifyWebhook(SECRET, rotated, BODY, { now: NOW }).ok, true);
});
