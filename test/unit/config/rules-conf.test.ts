import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfigText } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/util/errors.js';

const conf = (text: string, env: NodeJS.ProcessEnv = {}) => parseConfigText(text, 'conf', 'srs.conf', env).config;

test('security: SRS 7 syntax, allow and deny repeated in any order', () => {
  const config = conf(`
vhost __defaultVhost__ {
    security {
        enabled on;
        allow publish 127.0.0.1;
        deny play all;
        allow play 10.0.0.0/8;
        deny publish ::ffff:192.168.0.0/112;
    }
}`);
  assert.deepEqual(config.vhosts.__defaultVhost__!.security, {
    enabled: true,
    allow: ['publish 127.0.0.1', 'play 10.0.0.0/8'],
    deny: ['play all', 'publish ::ffff:192.168.0.0/112'],
  });
});

test('security: a rule that is not "publish|play all|IP|CIDR" names its line', () => {
  for (const rule of ['allow publish 10.0.0.0/33', 'deny watch all', 'allow play', 'allow play 1.2.3.4 5.6.7.8']) {
    assert.throws(
      () => conf(`vhost v {\n  security {\n    ${rule};\n  }\n}`),
      (e: unknown) => e instanceof ConfigError && e.where.startsWith('srs.conf:3 vhost.v.security.') && /expected "publish\|play/.test(e.message),
      rule,
    );
  }
});

test('secrets and signed URLs: global blocks, vhost blocks, a key or secret required when enabled', () => {
  const config = conf(`
publish_secret { enabled on; secret S; }
signed_urls { enabled on; key K; play off; }
vhost v { play_secret { enabled on; secret P; apps live other; } }`);
  assert.deepEqual(config.publish_secret, { enabled: true, secret: 'S', apps: [] });
  assert.equal(config.signed_urls.play, false);
  assert.deepEqual(config.vhosts.v!.play_secret, { enabled: true, secret: 'P', apps: ['live', 'other'] });
  assert.equal(config.vhosts.v!.publish_secret, undefined);
  assert.throws(() => conf('publish_secret { enabled on; }'), /srs.conf:1 publish_secret: secret must be set when enabled/);
  assert.throws(() => conf('signed_urls { enabled on; }'), /srs.conf:1 signed_urls: key must be set when enabled/);
});

test('a security rule from the environment', () => {
  const config = conf('', { SRS_VHOST_SECURITY_ENABLED: 'on', SRS_VHOST_SECURITY_DENY: 'publish 127.0.0.1' });
  assert.deepEqual(config.vhosts.__defaultVhost__!.security, { enabled: true, allow: [], deny: ['publish 127.0.0.1'] });
});
