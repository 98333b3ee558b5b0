import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/util/errors.js';

const conf = (text: string) => parseConfigText(text, 'conf', 'srs.conf').config;

test('SRS 7 hls directives: hls_wait_keyframe, hls_acodec, hls_vcodec, hls_td_ratio', () => {
  const hls = conf('vhost __defaultVhost__ { hls { enabled on; hls_wait_keyframe off; hls_acodec mp3; hls_vcodec vn; hls_td_ratio 2.0; } }')
    .vhosts.__defaultVhost__!.hls;
  assert.deepEqual(
    { wait: hls.hls_wait_keyframe, a: hls.hls_acodec, v: hls.hls_vcodec, td: hls.hls_td_ratio },
    { wait: false, a: 'mp3', v: 'vn', td: 2 },
  );
  const defaults = conf('vhost __defaultVhost__ { hls { enabled on; } }').vhosts.__defaultVhost__!.hls;
  assert.deepEqual([defaults.hls_wait_keyframe, defaults.hls_acodec, defaults.hls_vcodec], [true, 'aac', 'h264']);
  assert.throws(() => conf('vhost __defaultVhost__ { hls { hls_acodec opus; } }'), ConfigError);
});
