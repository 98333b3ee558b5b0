import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/index.js';
import { configSchemas, DEFAULT_VHOST, parseConfig } from '../../../src/config/schema.js';
import { ConfigError } from '../../../src/util/errors.js';

// The config of a real SRS 7.0.18 run, as its operator wrote it.
const REFERENCE = join(import.meta.dirname, '../../fixtures/srs-7.0.18.conf');

test('no file: the embedded default config (the defaults with HLS on, as SRS ships) plus the environment', async () => {
  const loaded = await loadConfig({ env: { SRS_LISTEN: '1999' } });
  assert.equal(loaded.source, 'embedded default config');
  const expected = parseConfig({ vhosts: { [DEFAULT_VHOST]: { hls: { enabled: true } } } });
  assert.deepEqual(loaded.config, { ...expected, listen: [{ host: '0.0.0.0', port: 1999 }] });
  assert.equal(loaded.config.vhosts[DEFAULT_VHOST]!.hls.enabled, true);
});

test('conf/srs.conf, the shipped SRS-style example, loads without warnings', async () => {
  const { config, warnings, source } = await loadConfig({ file: 'conf/srs.conf', env: {} });
  assert.deepEqual(warnings, []);
  assert.equal(source, 'conf/srs.conf');
  assert.deepEqual(config.listen, [{ host: '0.0.0.0', port: 1935 }]);
  assert.equal(config.pid, './objs/sluice.pid');
  assert.equal(config.http_server.dir, './html', 'relative paths stay as written');
  const vhost = config.vhosts[DEFAULT_VHOST]!;
  assert.equal(vhost.http_remux.mount, '[vhost]/[app]/[stream].flv');
  assert.equal(vhost.play.gop_cache, true);
  assert.equal(vhost.hls.enabled, true, 'HLS on, as in SRS\'s conf/srs.conf');
});

test('a real SRS 7 config: what Sluice knows is read, the rest is warned about', async () => {
  const { config, warnings } = await loadConfig({ file: REFERENCE, env: {} });
  assert.deepEqual(config.listen, [{ host: '127.0.0.1', port: 19350 }]);
  assert.deepEqual(config.http_api.listen, { host: '127.0.0.1', port: 19850 });
  assert.deepEqual(config.http_server.listen, { host: '127.0.0.1', port: 19080 });
  assert.equal(config.vhosts[DEFAULT_VHOST]!.http_remux.mount, '[vhost]/[app]/[stream].flv');
  assert.ok(warnings.includes(`${REFERENCE}:6 srs_log_tank: unknown directive, ignored`));

  // hls, dvr and http_hooks are warned about exactly when the schema does not know them yet.
  const known = Object.keys(configSchemas().vhost.shape);
  for (const block of ['hls', 'dvr', 'http_hooks']) {
    const warned = warnings.filter((w) => w.endsWith(` vhost.${DEFAULT_VHOST}.${block}: unknown directive, ignored`));
    assert.equal(warned.length, known.includes(block) ? 0 : 1, block);
  }
});

test('the format comes from the extension, else from the content', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-load-'));
  const files: Record<string, string> = {
    'a.conf': 'max_connections 7;',
    'a.yml': 'max_connections: 7',
    'a.yaml': 'max_connections: 7',
    'conf-inside.txt': '# SRS style\nmax_connections 7;\n',
    'block-inside': 'http_api {\n  enabled on;\n}\nmax_connections 7;\n',
    'yaml-inside.cfg': '# YAML\nmax_connections: 7\nhttp_api: { enabled: true }\n',
  };
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(dir, name), text);
    const { config } = await loadConfig({ file: join(dir, name), env: {} });
    assert.equal(config.max_connections, 7, name);
  }
});

test('a missing file is a ConfigError naming it', async () => {
  await assert.rejects(
    loadConfig({ file: 'no/such/sluice.yaml', env: {} }),
    (e: unknown) => e instanceof ConfigError && e.where === 'no/such/sluice.yaml' && /cannot read/.test(e.message),
  );
});
