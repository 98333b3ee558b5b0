import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfigText } from '../../../src/config/load.js';
import { notifyProtocolBlocks, type HttpNotifyConfig } from '../../../src/config/schema.js';
import type { Protocol } from '../../../src/gate/types.js';
import { fakeSession, makeGate, startReceiver, tempDir } from './support.js';

/** Happytime's per-protocol notify blocks: each protocol's sessions go to its own block. */

const NOTIFY_KEYS = (notify: HttpNotifyConfig) => notifyProtocolBlocks(notify).map(([protocol]) => protocol).sort();

test('per-protocol blocks inherit what they do not set from the vhost block, enabled included', () => {
  const conf = `vhost __defaultVhost__ {
    http_notify {
      enabled on;
      timeout 3s;
      on_play http://127.0.0.1:8000/play;
      rtmp { on_publish http://127.0.0.1:8000/rtmp/publish; secret s1; }
      srt { enabled off; }
      http_flv { on_play "";  }
    }
  }`;
  const notify = parseConfigText(conf, 'conf', 'test.conf').config.vhosts.__defaultVhost__!.http_notify;
  assert.deepEqual(NOTIFY_KEYS(notify), ['http_flv', 'rtmp', 'srt']);
  const { rtmp, srt, http_flv } = notify;
  // An empty value unsets an inherited URL.
  assert.deepEqual(http_flv!.on_play, []);
  assert.deepEqual(rtmp!.on_publish, ['http://127.0.0.1:8000/rtmp/publish']);
  assert.deepEqual(rtmp!.on_play, ['http://127.0.0.1:8000/play']);
  assert.equal(rtmp!.secret, 's1');
  assert.equal(rtmp!.timeout, 3000);
  assert.equal(rtmp!.enabled, true);
  assert.equal(srt!.enabled, false);
  assert.equal(notify.secret, '');

  const yaml = `vhosts:
  __defaultVhost__:
    http_notify:
      rtsp: { enabled: true, on_play: [] }
      nope: { enabled: true }
`;
  const loaded = parseConfigText(yaml, 'yaml', 'test.yaml');
  const fromYaml = loaded.config.vhosts.__defaultVhost__!.http_notify;
  assert.equal(fromYaml.enabled, false);
  assert.equal(fromYaml.rtsp!.enabled, true);
  assert.match(loaded.warnings.join('\n'), /test\.yaml:5 vhosts\.__defaultVhost__\.http_notify\.nope: unknown key, ignored/);
});

test('the gate picks the block of the session protocol; others, and protocols without a block, use the vhost block', async (t) => {
  const receiver = await startReceiver(t, (_req, res) => res.end());
  const dir = tempDir();
  t.after(() => dir.remove());
  const block = (prefix: string) => ({ on_publish: receiver.url(`/${prefix}/publish`), on_play: receiver.url(`/${prefix}/play`) });
  const gate = makeGate(
    {
      http_notify: {
        enabled: true,
        ...block('vhost'),
        rtmp: block('rtmp'),
        srt: block('srt'),
        http_flv: block('flv'),
        hls: { enabled: false },
      },
    },
    dir.dir,
  );
  t.after(() => gate.close());

  const play = async (protocol: string) => {
    // `rtsp` or any protocol the gate may learn later: not in its Protocol type yet.
    await gate.play(fakeSession({ id: protocol, protocol: protocol as Protocol }));
  };
  await gate.publish(fakeSession({ id: 'pub', protocol: 'rtmp' }));
  for (const protocol of ['rtmp', 'http-flv', 'ws-flv', 'srt', 'hls', 'webrtc']) await play(protocol);

  const got = await receiver.waitFor(6);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const summary = receiver.requests.map((r) => `${r.url} ${/protocol=([^&]*)/.exec(r.body)?.[1]}`);
  assert.deepEqual(summary, [
    '/rtmp/publish rtmp',
    '/rtmp/play rtmp',
    '/flv/play httpflv',
    '/flv/play wsflv',
    '/srt/play srt',
    // hls has a disabled block of its own: nothing is asked.
    '/vhost/play webrtc',
  ]);
  assert.equal(got.length, 6);
});
