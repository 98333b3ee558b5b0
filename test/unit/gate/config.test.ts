import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfigText } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/util/errors.js';

/** The callback blocks' settings as the peers' documents spell them. */

test('notify_method is accepted in any case, in .conf and YAML (Happytime writes POST)', () => {
  for (const [word, expected] of [['POST', 'post'], ['Get', 'get'], ['post', 'post']] as const) {
    const conf = `vhost __defaultVhost__ { http_notify { enabled on; notify_method ${word}; on_publish http://127.0.0.1:8000/p; } }`;
    assert.equal(parseConfigText(conf, 'conf', 'test.conf').config.vhosts.__defaultVhost__!.http_notify.notify_method, expected);
    const yaml = `vhosts:\n  __defaultVhost__:\n    http_notify:\n      enabled: true\n      notify_method: ${word}\n`;
    assert.equal(parseConfigText(yaml, 'yaml', 'test.yaml').config.vhosts.__defaultVhost__!.http_notify.notify_method, expected);
  }
  assert.throws(() => parseConfigText('vhost __defaultVhost__ { http_notify { notify_method PUT; } }', 'conf', 'test.conf'), ConfigError);
});
