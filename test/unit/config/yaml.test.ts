import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { parseConfigText } from '../../../src/config/load.js';
import { parseConfig, DEFAULT_VHOST } from '../../../src/config/schema.js';
import { ConfigError } from '../../../src/util/errors.js';

const yaml = (text: string) => parseConfigText(text, 'yaml', 'sluice.yaml');

const throwsAt = (text: string, where: string, message: RegExp) =>
  assert.throws(
    () => yaml(text),
    (e: unknown) => e instanceof ConfigError && e.where === where && message.test(e.message),
  );

test('conf/sluice.yaml loads to exactly the defaults', () => {
  const loaded = parseConfigText(readFileSync('conf/sluice.yaml', 'utf8'), 'yaml', 'conf/sluice.yaml');
  assert.deepEqual(loaded.warnings, []);
  assert.deepEqual(loaded.config, parseConfig({}));
});

test('conf/sluice.yaml documents every setting that has a default', () => {
  // Walk the defaults; every key must be written in the example (nested where both are objects).
  const missing: string[] = [];
  const walk = (defaults: unknown, written: unknown, path: string): void => {
    if (!isObject(defaults) || !isObject(written) || Array.isArray(defaults)) return;
    for (const key of Object.keys(defaults)) {
      if (!(key in written)) missing.push(`${path}${key}`);
      else walk(defaults[key], written[key], `${path}${key}.`);
    }
  };
  walk(parseConfig({}), parse(readFileSync('conf/sluice.yaml', 'utf8')), '');
  assert.deepEqual(missing, [], `conf/sluice.yaml does not document: ${missing.join(', ')}`);
});

test('the schema shape, snake_case keys', () => {
  const { config } = yaml(`
listen: [1935, "127.0.0.1:1936"]
http_server:
  listen: 8081
vhosts:
  live:
    play:
      gop_cache: false
`);
  assert.deepEqual(config.listen, [{ host: '0.0.0.0', port: 1935 }, { host: '127.0.0.1', port: 1936 }]);
  assert.equal(config.http_server.listen.port, 8081);
  assert.equal(config.vhosts.live!.play.gop_cache, false);
  assert.ok(config.vhosts[DEFAULT_VHOST]);
});

test('an empty or comment-only file is the defaults', () => {
  assert.deepEqual(yaml('').config, parseConfig({}));
  assert.deepEqual(yaml('# nothing\n').config, parseConfig({}));
});

test('unknown keys: one warning each with the YAML path and line, then ignored', () => {
  const { config, warnings } = yaml(`
max_connections: 5
hls:
  enabled: true
vhosts:
  live:
    play:
      gop_cache: false
      tcp_nodelay: true
`);
  assert.deepEqual(warnings, [
    'sluice.yaml:3 hls: unknown key, ignored',
    'sluice.yaml:9 vhosts.live.play.tcp_nodelay: unknown key, ignored',
  ]);
  assert.equal(config.max_connections, 5);
  assert.equal(config.vhosts.live!.play.gop_cache, false);
});

test('wrong values name the file, line and YAML path', () => {
  throwsAt('daemon: false\nmax_connections: abc\n', 'sluice.yaml:2 max_connections', /Expected number.*"abc"/);
  throwsAt('vhosts:\n  live:\n    play:\n      gop_cache: on\n', 'sluice.yaml:4 vhosts.live.play.gop_cache', /Expected boolean/);
  throwsAt('listen:\n  - 1935\n  - 99999\n', 'sluice.yaml:3 listen[1]', /port or host:port/);
  throwsAt('http_api: 5\n', 'sluice.yaml:1 http_api', /Expected object/);
});

test('YAML syntax errors name the line', () => {
  throwsAt('a: 1\nb: [1, 2\nc: 3\n', 'sluice.yaml:3', /Flow sequence/);
  throwsAt('pid: a\npid: b\n', 'sluice.yaml:2', /unique/);
  throwsAt('pid: "open\n', 'sluice.yaml:2', /quote/);
  throwsAt('pid: *nowhere\n', 'sluice.yaml', /alias/i);
  throwsAt('- 1\n', 'sluice.yaml', /mapping/);
});

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
