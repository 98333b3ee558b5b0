import { test } from 'node:test';
import { availableParallelism } from 'node:os';
import assert from 'node:assert/strict';
import { z } from 'zod';
import fc from 'fast-check';
import { fuzzRuns } from '../../support/fuzz.js';
import { fromSrs } from '../../../src/config/from-srs.js';
import { parseConfigText } from '../../../src/config/load.js';
import { parseConfig, DEFAULT_VHOST } from '../../../src/config/schema.js';
import { parseSrsConf } from '../../../src/config/srs-conf.js';
import { ConfigError } from '../../../src/util/errors.js';

const conf = (text: string) => parseConfigText(text, 'conf', 'srs.conf');

const throwsAt = (text: string, where: string, message: RegExp) =>
  assert.throws(
    () => conf(text),
    (e: unknown) => e instanceof ConfigError && e.where === where && message.test(e.message),
  );

test('an empty file is the defaults', () => {
  assert.deepEqual(conf('').config, parseConfig({}));
});

test('on/off, numbers, strings, endpoints and lists', () => {
  const { config, warnings } = conf(`
    listen 1935 127.0.0.1:1936;
    max_connections 50;
    daemon on;
    pid "./my pid";
    http_api { enabled off; listen 127.0.0.1:1985; raw_api { enabled on; allow_reload on; } }
    vhost __defaultVhost__ {
      play { gop_cache no; queue_length 2.5; mw_latency 350; }
      http_remux { enabled yes; mount [app]/[stream].flv; }
    }
  `);
  assert.deepEqual(warnings, []);
  assert.deepEqual(config.listen, [{ host: '0.0.0.0', port: 1935 }, { host: '127.0.0.1', port: 1936 }]);
  assert.equal(config.max_connections, 50);
  assert.equal(config.daemon, true);
  assert.equal(config.pid, './my pid');
  const { enabled, listen, crossdomain, raw_api, auth, api_token } = config.http_api;
  assert.deepEqual({ enabled, listen, crossdomain, raw_api, auth, api_token }, {
    enabled: false,
    listen: { host: '127.0.0.1', port: 1985 },
    crossdomain: true,
    raw_api: { enabled: true, allow_reload: true, allow_query: false, allow_update: false },
    auth: { enabled: false, username: '', password: '' },
    api_token: [],
  });
  const vhost = config.vhosts[DEFAULT_VHOST]!;
  assert.deepEqual(vhost.play, { gop_cache: false, gop_cache_max_frames: 2500, gop_cache_max_bytes: 32 * 1024 * 1024, queue_length: 2.5, mw_latency: 350 });
  assert.deepEqual(vhost.http_remux, { enabled: true, mount: '[app]/[stream].flv' });
});

test('several vhosts, and the default vhost is always there', () => {
  const { config } = conf('vhost live.example.com { play { gop_cache off; } }\nvhost other { enabled off; }');
  assert.deepEqual(Object.keys(config.vhosts).sort(), [DEFAULT_VHOST, 'live.example.com', 'other']);
  assert.equal(config.vhosts['live.example.com']!.play.gop_cache, false);
  assert.equal(config.vhosts.other!.enabled, false);
});

test('publish { mr; mr_latency; }: merged read as SRS writes it, off by default, shorter than the timeouts', () => {
  assert.deepEqual(conf('').config.vhosts[DEFAULT_VHOST]!.publish, { firstpkt_timeout: 20000, normal_timeout: 5000, mr: false, mr_latency: 350 });
  const { config } = conf('vhost v { publish { mr on; mr_latency 200; } }');
  assert.equal(config.vhosts.v!.publish.mr, true);
  assert.equal(config.vhosts.v!.publish.mr_latency, 200);
  throwsAt('vhost v {\n  publish { mr on; mr_latency 1000; normal_timeout 1000; }\n}', 'srs.conf:2 vhost.v.publish', /mr_latency must be shorter/);
  // Off, the latency is not used and needs no check.
  assert.equal(conf('vhost v { publish { mr off; mr_latency 1000; normal_timeout 1000; } }').config.vhosts.v!.publish.mr, false);
});

test('push: nginx-rtmp push URLs of a vhost, only rtmp:// or rtmps:// ones with an app', () => {
  const { config } = conf('vhost __defaultVhost__ { push rtmp://a.example/live rtmps://b.example:443/live/copy; }');
  assert.deepEqual(config.vhosts[DEFAULT_VHOST]!.push, ['rtmp://a.example/live', 'rtmps://b.example:443/live/copy']);
  assert.throws(() => conf('vhost __defaultVhost__ { push http://a.example/live; }'), /an rtmp:\/\/ or rtmps:\/\/ URL with an app/);
  assert.throws(() => conf('vhost __defaultVhost__ { push rtmp://a.example; }'), /an rtmp:\/\/ or rtmps:\/\/ URL with an app/);
});

test('srs_log_level maps SRS levels to ours', () => {
  const level = (srs: string) => conf(`srs_log_level ${srs};`).config.log_level;
  assert.deepEqual(['verbose', 'info', 'trace', 'warn', 'error'].map(level), ['trace', 'debug', 'info', 'warn', 'error']);
  assert.equal(conf('srs_log_level_v2 WARN;').config.log_level, 'warn');
  assert.equal(conf('log_level debug;').config.log_level, 'debug');
});

test('unknown directives: one warning each with file, line and full path, then ignored', () => {
  const { config, warnings } = conf(
    [
      'daemon off;',
      'srs_log_tank console;',
      'srs_log_file ./objs/srs.log;',
      'ff_log_dir ./objs;',
      'vhost __defaultVhost__ {',
      '  hls_like {',
      '    enabled on;',
      '    nested { deeper 1; }',
      '  }',
      '  play { gop_cache on; tcp_nodelay on; }',
      '}',
    ].join('\n'),
  );
  assert.deepEqual(warnings, [
    'srs.conf:2 srs_log_tank: unknown directive, ignored',
    'srs.conf:3 srs_log_file: unknown directive, ignored',
    'srs.conf:4 ff_log_dir: unknown directive, ignored',
    'srs.conf:6 vhost.__defaultVhost__.hls_like: unknown directive, ignored',
    'srs.conf:10 vhost.__defaultVhost__.play.tcp_nodelay: unknown directive, ignored',
  ]);
  assert.deepEqual(config, parseConfig({}));
});

test('wrong values are ConfigErrors naming file, line and directive', () => {
  throwsAt('daemon off;\nmax_connections abc;', 'srs.conf:2 max_connections', /Expected number.*"abc"/);
  throwsAt('listen 99999;', 'srs.conf:1 listen', /port or host:port/);
  throwsAt('listen 1935 abc:x;', 'srs.conf:1 listen', /"abc:x"/);
  throwsAt('vhost v {\n  play {\n    gop_cache maybe;\n  }\n}', 'srs.conf:3 vhost.v.play.gop_cache', /Expected boolean.*"maybe"/);
  throwsAt('max_connections 0;', 'srs.conf:1 max_connections', /greater than or equal to 1/);
  throwsAt('srs_log_level loud;', 'srs.conf:1 srs_log_level', /trace/);
  // A forgotten ";" runs into the next line: the value gets too many words.
  throwsAt('max_connections 10\npid x;', 'srs.conf:1 max_connections', /Expected number, received array/);
});

test('every problem is reported, the first one in `where`', () => {
  assert.throws(
    () => conf('max_connections abc;\ndaemon maybe;'),
    (e: unknown) => e instanceof ConfigError && e.where === 'srs.conf:1 max_connections' && /also srs\.conf:2 daemon/.test(e.message),
  );
});

test('blocks and values in the wrong form', () => {
  throwsAt('http_api on;', 'srs.conf:1 http_api', /expected a block/);
  throwsAt('http_api x { }', 'srs.conf:1 http_api', /without arguments/);
  throwsAt('max_connections { }', 'srs.conf:1 max_connections', /not a block/);
  throwsAt('pid;', 'srs.conf:1 pid', /missing value/);
  throwsAt('vhost { }', 'srs.conf:1 vhost', /vhost NAME/);
  throwsAt('vhost a b { }', 'srs.conf:1 vhost', /vhost NAME/);
  throwsAt('vhost a;', 'srs.conf:1 vhost', /vhost NAME/);
});

test('a directive given twice is an error naming both places', () => {
  throwsAt('pid a;\npid b;', 'srs.conf:2 pid', /already set at srs\.conf:1 pid/);
  throwsAt('vhost a { }\nvhost a { }', 'srs.conf:2 vhost', /already set at srs\.conf:1 vhost/);
  throwsAt('srs_log_level info;\nlog_level info;', 'srs.conf:2 log_level', /already set/);
});

test('a vhost may be named __proto__ without touching prototypes', () => {
  const { config } = conf('vhost __proto__ { enabled off; }');
  assert.equal(Object.getPrototypeOf(config.vhosts), Object.prototype);
});

test('translation follows the schema: a new block needs no code', () => {
  const schema = z.object({
    vhosts: z.record(
      z.string(),
      z.object({
        hooks: z.object({
          enabled: z.boolean().default(false),
          on_publish: z.array(z.string()).default([]),
          timeout: z.union([z.number(), z.string()]).optional(),
          mode: z.enum(['a', 'b']).optional(),
        }),
      }),
    ),
  });
  const text = 'vhost x { hooks { enabled on; on_publish http://a http://b; timeout 5; mode b; } }\nvhost y { hooks { on_publish http://c; timeout 2s; } }';
  const { input, warnings } = fromSrs(parseSrsConf(text, 't.conf'), schema);
  assert.deepEqual(warnings, []);
  assert.deepEqual(input, {
    vhosts: {
      x: { hooks: { enabled: true, on_publish: ['http://a', 'http://b'], timeout: 5, mode: 'b' } },
      y: { hooks: { on_publish: ['http://c'], timeout: '2s' } },
    },
  });
});

test('property: any text loads or fails with a ConfigError', () => {
  const word = fc.constantFrom('listen', 'vhost', 'play', 'gop_cache', 'http_api', 'max_connections', 'srs_log_level', 'on', 'x', '99999', '1935', '1.5');
  const token = fc.oneof(word, fc.constantFrom(' ', '\n', '{', '}', ';', ';', '"'));
  const soup = fc.array(token, { maxLength: 40 }).map((parts) => parts.join(' '));
  fc.assert(
    fc.property(soup, (text) => {
      try {
        conf(text);
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
      }
    }),
    fuzzRuns(1000),
  );
});

test('srt_server passphrase and pbkeylen: SRS 7 syntax; a passphrase outside libsrt\'s 10 to 79 characters names its line', () => {
  const { config } = conf('srt_server {\n  enabled on;\n  passphrase sluice-srt-secret;\n  pbkeylen 32;\n}');
  assert.equal(config.srt_server.passphrase, 'sluice-srt-secret');
  assert.equal(config.srt_server.pbkeylen, 32);
  throwsAt('srt_server {\n  passphrase short;\n}', 'srs.conf:2 srt_server.passphrase', /10 to 79 characters/);
  // Streams with their own passphrase (or '' for none) in place of the server's.
  const streams = conf('srt_server {\n  passphrase sluice-srt-secret;\n  stream live/cam {\n    passphrase cam-only-secret;\n  }\n  stream live/open {\n    passphrase "";\n  }\n}').config.srt_server.streams;
  assert.deepEqual(streams, { 'live/cam': { passphrase: 'cam-only-secret' }, 'live/open': { passphrase: '' } });
  throwsAt('srt_server {\n  stream live/cam {\n    passphrase short;\n  }\n}', 'srs.conf:3 srt_server.stream.live/cam.passphrase', /10 to 79 characters/);
  throwsAt(`srt_server {\n  passphrase ${'x'.repeat(80)};\n}`, 'srs.conf:2 srt_server.passphrase', /10 to 79 characters/);
  throwsAt('srt_server {\n  pbkeylen 20;\n}', 'srs.conf:2 srt_server.pbkeylen', /./);
});

test('workers: a number of processes, 0 (the default) for one per core', async () => {
  const { workerCount } = await import('../../../src/config/schema.js');
  assert.equal(conf('').config.workers, 0);
  assert.equal(workerCount(conf('').config), availableParallelism());
  assert.equal(conf('workers 4;').config.workers, 4);
  assert.equal(parseConfigText('workers: 2', 'yaml', 'sluice.yaml').config.workers, 2);
  assert.equal(workerCount(conf('workers 3;').config), 3);
  assert.ok(workerCount(conf('workers 0;').config) >= 1);
  throwsAt('workers -1;', 'srs.conf:1 workers', /greater than or equal to 0/);
});
