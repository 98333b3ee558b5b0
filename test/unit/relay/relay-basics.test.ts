import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forwardAnswer } from '../../../src/gate/srs/forward.js';
import type { HookAnswer } from '../../../src/gate/http/transport.js';
import { Backoff } from '../../../src/util/backoff.js';
import { RelayError } from '../../../src/relay/errors.js';
import { pushUrl } from '../../../src/relay/push-service.js';
import { parseRtmpUrl, redactUrl } from '../../../src/relay/rtmp-client/rtmp-url.js';

test('parseRtmpUrl: the last segment with the query is the stream, the rest the app; ports default per scheme', () => {
  assert.deepEqual(parseRtmpUrl('rtmp://example.com/live/cam?token=1'), {
    tls: false, host: 'example.com', port: 1935, app: 'live', stream: 'cam?token=1', tcUrl: 'rtmp://example.com/live',
  });
  const nested = parseRtmpUrl('rtmps://[::1]:4443/app/inst/key');
  assert.deepEqual([nested.tls, nested.host, nested.port, nested.app, nested.stream], [true, '::1', 4443, 'app/inst', 'key']);
  assert.equal(parseRtmpUrl('rtmps://live-api-s.facebook.com/rtmp/FB-1').port, 443);
});

test('parseRtmpUrl: other schemes, no app or no stream are RelayErrors that do not show the key', () => {
  for (const bad of ['http://h/live/x', 'rtmp://h/onlyone', 'rtmp://h/', 'not a url', 'rtmp://h/live/']) {
    assert.throws(() => parseRtmpUrl(bad), RelayError, bad);
  }
  assert.throws(() => parseRtmpUrl('srt://h/live/supersecret'), (error: Error) => !error.message.includes('supersecret'));
});

test('redactUrl: stream keys and queries stay out of logs', () => {
  assert.equal(redactUrl('rtmp://a.rtmp.youtube.com/live2/abcd-efgh-ijkl?x=1'), 'rtmp://a.rtmp.youtube.com/live2/ab…');
  assert.equal(redactUrl('rtmp://h:1935/live/cam'), 'rtmp://h:1935/live/cam');
});

test('Backoff: doubles up to the maximum with jitter, and starts over after a healthy connection', () => {
  const options = { initialMs: 1000, maxMs: 8000, healthyMs: 60_000 };
  const top = new Backoff(options, () => 1);
  assert.deepEqual([0, 0, 0, 0, 0].map(() => top.next(0)), [1000, 2000, 4000, 8000, 8000]);
  assert.equal(top.next(60_000), 1000, 'reset after a healthy minute');
  const bottom = new Backoff(options, () => 0);
  assert.deepEqual([bottom.next(0), bottom.next(0)], [500, 1000], 'jitter draws down to half');
});

const answer = (body: string, status = 200): HookAnswer => ({ status, body, location: undefined, truncated: false, latencyMs: 1 });

test('forwardAnswer: SRS shape only; empty URLs are skipped', () => {
  assert.deepEqual(forwardAnswer(answer('{"code":0,"data":{"urls":["rtmp://a/b/c",""]}}')), { ok: true, urls: ['rtmp://a/b/c'] });
  assert.deepEqual(forwardAnswer(answer('{"code":0,"data":{"urls":[]}}')), { ok: true, urls: [] });
  for (const [body, status] of [
    ['<html>', 200], ['{"code":1,"data":{"urls":[]}}', 200], ['{"code":0}', 200], ['{"code":0,"data":{"urls":[1]}}', 200],
    ['[]', 200], ['{"code":0,"data":{"urls":["rtmp://a/b/c"]}}', 500],
  ] as const) {
    assert.equal(forwardAnswer(answer(body, status)).ok, false, body);
  }
});

test('pushUrl: a URL that ends at the app gets the published name, one that names a stream keeps it', () => {
  assert.equal(pushUrl('rtmp://example.com/live', 'cam'), 'rtmp://example.com/live/cam');
  assert.equal(pushUrl('rtmp://example.com:1936/live/', 'cam 2'), 'rtmp://example.com:1936/live/cam%202');
  assert.equal(pushUrl('rtmp://example.com/live?token=1', 'cam'), 'rtmp://example.com/live/cam?token=1');
  assert.equal(pushUrl('rtmps://example.com/live/copy?token=1', 'cam'), 'rtmps://example.com/live/copy?token=1');
});
