import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { applyEnv } from '../../../src/config/env.js';
import { Origins } from '../../../src/config/from-srs.js';
import { parseConfigText } from '../../../src/config/load.js';
import { DEFAULT_VHOST } from '../../../src/config/schema.js';
import { ConfigError } from '../../../src/util/errors.js';

const withEnv = (env: NodeJS.ProcessEnv, text = '') => parseConfigText(text, 'conf', 'srs.conf', env);

test('SRS names: top level, blocks, and vhost settings for the default vhost', () => {
  const { config, warnings } = withEnv({
    SRS_LISTEN: '1936 127.0.0.1:1937',
    SRS_MAX_CONNECTIONS: '20',
    SRS_DAEMON: 'on',
    SRS_HTTP_API_ENABLED: 'off',
    SRS_HTTP_API_LISTEN: '127.0.0.1:1985',
    SRS_HTTP_API_RAW_API_ALLOW_RELOAD: 'on',
    SRS_HTTP_SERVER_LISTEN: '8088',
    SRS_VHOST_PLAY_GOP_CACHE: 'off',
    SRS_VHOST_HTTP_REMUX_ENABLED: 'no',
    SRS_VHOST_HTTP_HOOKS_ON_PUBLISH: 'http://a/p http://b/p',
    SRS_SRS_LOG_LEVEL: 'verbose',
  });
  assert.deepEqual(warnings, []);
  assert.deepEqual(config.listen, [{ host: '0.0.0.0', port: 1936 }, { host: '127.0.0.1', port: 1937 }]);
  assert.equal(config.max_connections, 20);
  assert.equal(config.daemon, true);
  const { enabled, listen, crossdomain, raw_api, auth, api_token } = config.http_api;
  assert.deepEqual({ enabled, listen, crossdomain, raw_api, auth, api_token }, {
    enabled: false,
    listen: { host: '127.0.0.1', port: 1985 },
    crossdomain: true,
    raw_api: { enabled: false, allow_reload: true, allow_query: false, allow_update: false },
    auth: { enabled: false, username: '', password: '' },
    api_token: [],
  });
  assert.equal(config.http_server.listen.port, 8088);
  assert.equal(config.log_level, 'trace');
  const vhost = config.vhosts[DEFAULT_VHOST]!;
  assert.equal(vhost.play.gop_cache, false);
  assert.equal(vhost.http_remux.enabled, false);
  assert.deepEqual(vhost.http_hooks.on_publish, ['http://a/p', 'http://b/p']);
});

test('own API tokens: .conf api_token, YAML list, SLUICE_API_TOKENS replacing them', () => {
  assert.deepEqual(withEnv({}, 'http_api { api_token T1 T2; }').config.http_api.api_token, ['T1', 'T2']);
  const yaml = parseConfigText('http_api:\n  api_token: [Y1]\n', 'yaml', 'sluice.yaml', {});
  assert.deepEqual(yaml.config.http_api.api_token, ['Y1']);
  const env = withEnv({ SLUICE_API_TOKENS: ' E1, E2 E3 ' }, 'http_api { api_token T1; }');
  assert.deepEqual(env.warnings, []);
  assert.deepEqual(env.config.http_api.api_token, ['E1', 'E2', 'E3']);
});

test('SLUICE names: schema path with __ between levels, any vhost', () => {
  const { config, warnings } = withEnv(
    {
      SLUICE_LISTEN: '1940',
      SLUICE_HTTP_API__LISTEN: '127.0.0.1:1999',
      SLUICE_VHOSTS____DEFAULTVHOST____PLAY__GOP_CACHE: 'off',
      SLUICE_VHOSTS__LIVE__PLAY__QUEUE_LENGTH: '3',
      SLUICE_VHOSTS__NEW__ENABLED: 'off',
    },
    'vhost live { }',
  );
  assert.deepEqual(warnings, []);
  assert.deepEqual(config.listen, [{ host: '0.0.0.0', port: 1940 }]);
  assert.equal(config.http_api.listen.port, 1999);
  assert.equal(config.vhosts[DEFAULT_VHOST]!.play.gop_cache, false);
  assert.equal(config.vhosts.live!.play.queue_length, 3);
  assert.equal(config.vhosts.new!.enabled, false);
});

test('the environment wins over the file, and SLUICE_ over SRS_', () => {
  const { config } = withEnv({ SRS_MAX_CONNECTIONS: '20', SLUICE_MAX_CONNECTIONS: '30', SRS_PID: 'env.pid' }, 'max_connections 10;\npid file.pid;');
  assert.equal(config.max_connections, 30);
  assert.equal(config.pid, 'env.pid');
});

test('unknown variables are warned about once and ignored; other variables are not looked at', () => {
  const { warnings } = withEnv({ SRS_SRS_LOG_TANK: 'console', SLUICE_HTTP_API: 'on', SRS_LISTEN_: '1', PATH: '/bin', SRSX: '1' });
  assert.deepEqual(warnings, [
    'env SRS_LISTEN_: unknown setting, ignored',
    'env SRS_SRS_LOG_TANK: unknown setting, ignored',
    'env SLUICE_HTTP_API: unknown setting, ignored',
  ]);
});

test('a wrong value names the variable', () => {
  assert.throws(
    () => withEnv({ SRS_VHOST_PLAY_GOP_CACHE: 'maybe' }),
    (e: unknown) => e instanceof ConfigError && e.where === 'env SRS_VHOST_PLAY_GOP_CACHE' && /"maybe"/.test(e.message),
  );
  assert.throws(
    () => withEnv({ SLUICE_LISTEN: '99999' }, 'listen 1935;'),
    (e: unknown) => e instanceof ConfigError && e.where === 'env SLUICE_LISTEN',
  );
});

test('an override replaces what the file said below it, so errors point at the variable', () => {
  assert.throws(
    () => parseConfigText('listen:\n  - 1935\n  - 1936\n', 'yaml', 'sluice.yaml', { SRS_LISTEN: '1 x:y' }),
    (e: unknown) => e instanceof ConfigError && e.where === 'env SRS_LISTEN',
  );
});

test('resolution follows the schema: a new block needs no code', () => {
  const schema = z.object({
    vhosts: z.record(z.string(), z.object({ rec: z.object({ dvr_path: z.string().default(''), on: z.boolean().optional() }) })),
    top_level: z.number().optional(),
  });
  const input: Record<string, unknown> = {};
  const warnings = applyEnv(input, { SRS_VHOST_REC_DVR_PATH: '/x', SLUICE_VHOSTS__A__REC__ON: 'on', SRS_TOP_LEVEL: '7' }, new Origins(), schema);
  assert.deepEqual(warnings, []);
  assert.deepEqual(input, { top_level: 7, vhosts: { [DEFAULT_VHOST]: { rec: { dvr_path: '/x' } }, a: { rec: { on: true } } } });
});
