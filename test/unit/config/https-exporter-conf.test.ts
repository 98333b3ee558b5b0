import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../../src/config/load.js';

test("SRS 7's https and exporter blocks, and a callback ca_file, read as written in full.conf", () => {
  const { config, warnings } = parseConfigText(
    `
    http_api { enabled on; listen 1985; https { enabled on; listen 1990; key ./conf/server.key; cert ./conf/server.crt; } }
    http_server { enabled on; listen 8080; dir ./objs/nginx/html; https { enabled on; listen 8088; key ./k.pem; cert ./c.pem; } }
    exporter { enabled on; listen 9972; label cn-beijing; tag cn-edge; }
    vhost __defaultVhost__ { http_hooks { enabled on; on_publish https://hooks.example/p; ca_file /etc/ca.pem; } }
    `,
    'conf',
    'srs.conf',
  );
  assert.deepEqual(warnings, []);
  assert.deepEqual(config.http_api.https, { enabled: true, listen: { host: '0.0.0.0', port: 1990 }, key: './conf/server.key', cert: './conf/server.crt' });
  assert.deepEqual(config.http_server.https, { enabled: true, listen: { host: '0.0.0.0', port: 8088 }, key: './k.pem', cert: './c.pem' });
  assert.deepEqual(config.exporter, { enabled: true, listen: { host: '0.0.0.0', port: 9972 }, label: 'cn-beijing', tag: 'cn-edge' });
  assert.equal(config.vhosts.__defaultVhost__!.http_hooks.ca_file, '/etc/ca.pem');
});

test('https and the exporter are off by default, on the ports SRS uses', () => {
  const { config } = parseConfigText('', 'conf', 'srs.conf');
  assert.equal(config.http_server.https.enabled, false);
  assert.equal(config.http_server.https.listen.port, 8088);
  assert.equal(config.http_api.https.listen.port, 1990);
  assert.equal(config.exporter.enabled, false);
  assert.equal(config.exporter.listen.port, 9972);
});
