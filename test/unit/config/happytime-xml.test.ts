import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseConfigText } from '../../../src/config/load.js';
import { notifyProtocolBlocks, type HttpNotifyConfig } from '../../../src/config/schema.js';
import { ConfigError } from '../../../src/util/errors.js';

/** Happytime media server XML configs: per-protocol <http_notify> and listen ports. */

const FIXTURE = new URL('../../fixtures/happytime.xml', import.meta.url);

const NOTIFY_KEYS = (notify: HttpNotifyConfig) => notifyProtocolBlocks(notify).map(([protocol]) => protocol).sort();

test('the fixture: each protocol <http_notify> becomes its block, the ports are kept, the rest is reported', () => {
  const loaded = parseConfigText(readFileSync(FIXTURE, 'utf8'), 'xml', 'happytime.xml');
  const { config, warnings } = loaded;
  const notify = config.vhosts.__defaultVhost__!.http_notify;
  assert.equal(notify.enabled, false, 'no vhost-wide block: other protocols call nothing');
  assert.deepEqual(NOTIFY_KEYS(notify), ['http_flv', 'rtmp', 'rtsp', 'srt']);
  const { rtmp, srt, http_flv } = notify;
  assert.equal(rtmp!.enabled, true);
  assert.deepEqual(rtmp!.on_connect, ['http://127.0.0.1:8000/api/v1/rtmp/connect']);
  assert.deepEqual(rtmp!.on_done, ['http://127.0.0.1:8000/api/v1/rtmp/done']);
  assert.equal(rtmp!.notify_method, 'post');
  assert.equal(srt!.notify_method, 'get');
  assert.deepEqual(http_flv!.on_play, ['http://127.0.0.1:8000/api/v1/httpflv/play']);
  assert.deepEqual(config.listen, [{ host: '0.0.0.0', port: 1935 }]);
  assert.deepEqual(config.srt_server.listen, { host: '0.0.0.0', port: 10080 });
  assert.equal(config.srt_server.enabled, true);
  assert.deepEqual(config.http_server.listen, { host: '0.0.0.0', port: 8080 });
  assert.deepEqual(warnings.slice(0, 3), [
    'happytime.xml:8 config.serverip: unknown element, ignored',
    'happytime.xml:9 config.serverport: unknown element, ignored',
    'happytime.xml:10 config.loop_nums: unknown element, ignored',
  ]);
  assert.ok(warnings.includes('happytime.xml:22 config.rtsp.rtsp_over_http: unknown element, ignored'));
});

test('Sluice settings inside <http_notify>, repeated URLs, other spellings of http-flv; unknown settings warned', () => {
  const xml = `<config>
  <httpflv><http_notify>
    <on_play>http://a/1</on_play>
    <on_play>http://a/2</on_play>
    <timeout>2s</timeout>
    <notify_update_strict>on</notify_update_strict>
    <colour>blue</colour>
  </http_notify></httpflv>
  <srt><enable>0</enable><port>9000</port></srt>
</config>`;
  const { config, warnings } = parseConfigText(xml, 'xml', 'h.xml');
  const flv = config.vhosts.__defaultVhost__!.http_notify.http_flv!;
  assert.deepEqual(flv.on_play, ['http://a/1', 'http://a/2']);
  assert.equal(flv.timeout, 2000);
  assert.equal(flv.notify_update_strict, true);
  assert.deepEqual(warnings, ['h.xml:7 config.httpflv.http_notify.colour: unknown element, ignored']);
  assert.equal(config.srt_server.enabled, false, '<enable>0</enable> wins over the port');
  assert.equal(config.srt_server.listen.port, 9000);
});

test('broken XML, another root and wrong values name the file and line', () => {
  assert.throws(() => parseConfigText('<config>\n<rtmp>\n</config>', 'xml', 'bad.xml'), (error: ConfigError) => {
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, /bad\.xml:3/);
    return true;
  });
  assert.throws(() => parseConfigText('<settings/>', 'xml', 'other.xml'), /other\.xml:1.*Happytime <config>/);
  assert.throws(
    () => parseConfigText('<config>\n<rtmp><http_notify>\n<notify_method>PUT</notify_method>\n</http_notify></rtmp></config>', 'xml', 'v.xml'),
    /v\.xml:3 config\.rtmp\.http_notify\.notify_method/,
  );
});
