import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callbackBlocks, redactConfig } from '../../../src/api/sluice/redact.js';
import { parseConfig } from '../../../src/config/schema.js';

const config = parseConfig({
  http_api: { auth: { enabled: true, username: 'admin', password: 'pw' }, api_token: ['tok'] },
  publish_secret: { enabled: true, secret: 'pub-secret' },
  signed_urls: { enabled: true, key: 'sign-key' },
  vhosts: {
    __defaultVhost__: {
      http_hooks: { enabled: true, secret: 'whsec', on_publish: ['http://user:pass@127.0.0.1/p', 'http://127.0.0.1/q'] },
      http_notify: { enabled: false },
      dvr: { dvr_wait_keyframe: true },
    },
    oryx: { http_hooks: { enabled: true, dialect: 'oryx', opaque: 'op', on_publish: ['http://127.0.0.1/o'] } },
  },
});

test('every password, secret, key, token and opaque is redacted; empty ones and look-alike names stay', () => {
  const out = redactConfig(config) as Record<string, any>;
  const text = JSON.stringify(out);
  for (const secret of ['"pw"', 'tok"', 'pub-secret', 'sign-key', 'whsec', ':pass@', '"op"']) assert.ok(!text.includes(secret), secret);
  assert.equal(out.http_api.auth.username, 'admin');
  assert.deepEqual(out.http_api.api_token, ['<redacted>']);
  assert.equal(out.vhosts.__defaultVhost__.dvr.dvr_wait_keyframe, true);
  assert.equal(out.vhosts.__defaultVhost__.http_notify.secret, '');
  assert.deepEqual(out.vhosts.__defaultVhost__.http_hooks.on_publish, ['http://user:%3Credacted%3E@127.0.0.1/p', 'http://127.0.0.1/q']);
});

test('callback blocks: enabled or configured ones, per vhost and dialect, secrets redacted', () => {
  const blocks = callbackBlocks(config);
  assert.deepEqual(blocks.map((b) => `${b.vhost} ${b.block} ${b.dialect} ${b.secret}`), [
    '__defaultVhost__ http_hooks srs <redacted>',
    'oryx http_hooks oryx ',
  ]);
  assert.deepEqual(blocks[1]!.events, { on_publish: ['http://127.0.0.1/o'] });
});
