import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../../src/config/load.js';
import { candidateAddresses } from '../../../src/servers/webrtc/candidates.js';
import { parseStreamUrl } from '../../../src/servers/webrtc/signalling.js';

const SRS_CONF = `
listen 1935;
rtc_server { enabled on; listen 8000; candidate $CANDIDATE; tcp { enabled off; listen 8000; } protocol udp; ecdsa on; }
vhost __defaultVhost__ {
  rtc { enabled on; rtmp_to_rtc on; rtc_to_rtmp on; nack on; twcc on; stun_timeout 30; dtls_role passive; keep_bframe off; pli_for_rtmp 6.0; }
}
`;

test('SRS 7 rtc_server and vhost rtc directives load as written in conf/full.conf', () => {
  const { config, warnings } = parseConfigText(SRS_CONF, 'conf', 'srs.conf');
  assert.deepEqual(warnings, []);
  assert.equal(config.rtc_server.enabled, true);
  assert.deepEqual(config.rtc_server.listen, { host: '0.0.0.0', port: 8000 });
  assert.equal(config.rtc_server.candidate, '$CANDIDATE');
  const rtc = config.vhosts.__defaultVhost__!.rtc;
  assert.equal(rtc.enabled, true);
  assert.equal(rtc.rtmp_to_rtc, true);
  assert.equal(rtc.rtc_to_rtmp, true);
  assert.equal(rtc.pli_for_rtmp, 6);
});

test("Sluice's recv_buffer_size: 10 MiB as SRS asks unless set, in .conf as in YAML", () => {
  assert.equal(parseConfigText(SRS_CONF, 'conf', 'srs.conf').config.rtc_server.recv_buffer_size, 10 * 1024 * 1024);
  const { config } = parseConfigText('rtc_server { enabled on; recv_buffer_size 4194304; }', 'conf', 'srs.conf');
  assert.equal(config.rtc_server.recv_buffer_size, 4194304);
  assert.throws(() => parseConfigText('rtc_server { recv_buffer_size 1000; }', 'conf', 'srs.conf'), /recv_buffer_size/);
});

test('the YAML spelling is the same settings', () => {
  const yaml = 'rtc_server:\n  enabled: true\n  candidate: 10.0.0.5\nvhosts:\n  __defaultVhost__:\n    rtc:\n      enabled: true\n      stun_timeout: 10\n';
  const { config } = parseConfigText(yaml, 'yaml', 'sluice.yaml');
  assert.equal(config.rtc_server.candidate, '10.0.0.5');
  assert.equal(config.vhosts.__defaultVhost__!.rtc.stun_timeout, 10);
});

test('candidates: an address as written, $NAME from the environment, * from the interfaces, plus the API host', () => {
  const { config } = parseConfigText('rtc_server { enabled on; candidate $CANDIDATE; }', 'conf', 'srs.conf');
  const rtc = config.rtc_server;
  assert.deepEqual(candidateAddresses(rtc, undefined, { CANDIDATE: '192.0.2.7' }), ['192.0.2.7']);
  assert.deepEqual(candidateAddresses(rtc, '198.51.100.1:1985', { CANDIDATE: '192.0.2.7' }), ['192.0.2.7', '198.51.100.1']);
  // Unset: every interface address (at least loopback on any machine).
  assert.ok(candidateAddresses(rtc, undefined, {}).length > 0);
  // A host name in the Host header is not an address.
  assert.deepEqual(candidateAddresses({ ...rtc, candidate: '192.0.2.7' }, 'example.com:1985'), ['192.0.2.7']);
  assert.deepEqual(candidateAddresses({ ...rtc, candidate: '192.0.2.7', api_as_candidates: false }, '198.51.100.1:1985'), ['192.0.2.7']);
});

test("SRS's streamurl splits into tcUrl, app, stream and param", () => {
  assert.deepEqual(parseStreamUrl('webrtc://example.com/live/cam?secret=x'), { host: 'example.com', app: 'live', stream: 'cam', param: '?secret=x', tcUrl: 'webrtc://example.com/live' });
  assert.deepEqual(parseStreamUrl('webrtc://127.0.0.1:1985/a/b/c'), { host: '127.0.0.1:1985', app: 'a/b', stream: 'c', param: '', tcUrl: 'webrtc://127.0.0.1:1985/a/b' });
  assert.throws(() => parseStreamUrl('webrtc://host-only'), /names no app and stream/);
});

test('ICE-TCP as SRS spells it: tcp { enabled; listen; } and protocol udp|tcp|all; protocol tcp needs the listener', () => {
  const { config } = parseConfigText('rtc_server { enabled on; listen 8000; tcp { enabled on; listen 8443; } protocol all; }', 'conf', 'srs.conf');
  assert.deepEqual(config.rtc_server.tcp, { enabled: true, listen: { host: '0.0.0.0', port: 8443 } });
  assert.equal(config.rtc_server.protocol, 'all');
  assert.throws(() => parseConfigText('rtc_server { enabled on; protocol tcp; }', 'conf', 'srs.conf'), /protocol tcp needs tcp/);
});
