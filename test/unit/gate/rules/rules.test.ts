import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { test } from 'node:test';
import { parseConfig, type SluiceConfigInput } from '../../../../src/config/schema.js';
import { createGate, RuleDenied, signStreamUrl } from '../../../../src/gate/index.js';
import type { ClientSession } from '../../../../src/gate/types.js';
import { runSignCommand } from '../../../../src/cli/sign-command.js';
import { silentLogger } from '../../../../src/util/logger.js';
import { fakeSession, startReceiver, tempDir } from '../support.js';

const NOW_MS = 1_700_000_000_000;
const NOW = NOW_MS / 1000;

/** A gate from `input`, its clock fixed at NOW. */
function gateOf(t: { after(fn: () => unknown): void }, input: SluiceConfigInput) {
  const data = tempDir();
  const gate = createGate({ config: parseConfig({ data_dir: data.dir, ...input }), logger: silentLogger(), now: () => NOW_MS });
  t.after(async () => {
    await gate.close();
    data.remove();
  });
  return gate;
}

const refusedBy = (rule: string, reason: RegExp) => (error: unknown) =>
  error instanceof RuleDenied && error.rule === rule && reason.test(error.reason);

const vhost = (settings: Record<string, unknown>): SluiceConfigInput => ({ vhosts: { __defaultVhost__: settings } });

test('publish secret: in the query, or appended to the stream name and removed from it', async (t) => {
  const gate = gateOf(t, { publish_secret: { enabled: true, secret: 's3cret' } });
  assert.deepEqual(await gate.publish(fakeSession({ param: '?secret=s3cret' })), {});

  const appended = fakeSession({ stream: 'livestreams3cret' });
  assert.deepEqual(await gate.publish(appended), { stream: 'livestream' });
  assert.equal(appended.stream, 'livestream');

  await assert.rejects(gate.publish(fakeSession()), refusedBy('publish_secret', /needs the stream secret/));
  await assert.rejects(gate.publish(fakeSession({ param: '?secret=wrong' })), refusedBy('publish_secret', /wrong publish secret/));
  // The secret alone is not a stream name.
  await assert.rejects(gate.publish(fakeSession({ stream: 's3cret' })), refusedBy('publish_secret', /needs/));
  // Players need nothing: only a play_secret protects plays.
  assert.deepEqual(await gate.play(fakeSession()), {});
});

test('stream secrets: per vhost over the global one, limited to apps', async (t) => {
  const gate = gateOf(t, {
    publish_secret: { enabled: true, secret: 'global' },
    vhosts: {
      'cams.example': { publish_secret: { enabled: true, secret: 'cams', apps: ['private'] } },
      'open.example': {},
    },
    play_secret: { enabled: true, secret: 'watch', apps: 'members' },
  });
  const cams = (over: Partial<ClientSession>) => fakeSession({ vhost: 'cams.example', ...over });
  assert.deepEqual(await gate.publish(cams({ app: 'private', param: '?secret=cams' })), {});
  await assert.rejects(gate.publish(cams({ app: 'private', param: '?secret=global' })), RuleDenied);
  assert.deepEqual(await gate.publish(cams({ app: 'public' })), {});
  // A vhost listed without its own block takes the global one; so does an unlisted vhost.
  await assert.rejects(gate.publish(fakeSession({ vhost: 'open.example' })), RuleDenied);
  assert.deepEqual(await gate.publish(fakeSession({ vhost: 'other', param: '?secret=global' })), {});

  await assert.rejects(gate.play(fakeSession({ app: 'members' })), refusedBy('play_secret', /play needs/));
  assert.deepEqual(await gate.play(fakeSession({ app: 'members', protocol: 'hls', stream: 'cam.m3u8', param: '?secret=watch' })), {});
  assert.deepEqual(await gate.play(fakeSession({ app: 'live' })), {});
});

const key = 'k3y';
const hmac = (path: string, expires: number) => createHmac('sha256', key).update(`${path}:${expires}`).digest('hex');
const md5 = (text: string) => createHash('md5').update(text).digest('hex');

test('signed URLs: good, bad, expired and malformed signatures in both forms', async (t) => {
  const gate = gateOf(t, vhost({ signed_urls: { enabled: true, key, publish: false } }));
  const later = NOW + 60;
  const play = (param: string, over: Partial<ClientSession> = {}) => gate.play(fakeSession({ param, ...over }));

  assert.deepEqual(await play(`?expires=${later}&sign=${hmac('/live/livestream', later)}`), {});
  // The same signature serves every protocol: HLS's `.m3u8` is not part of the signed path.
  assert.deepEqual(await play(`?expires=${later}&sign=${hmac('/live/livestream', later)}`, { protocol: 'hls', stream: 'livestream.m3u8' }), {});
  assert.deepEqual(await play(`?sign=${later}-${md5(`/live/livestream-${later}-${key}`)}`), {});

  await assert.rejects(play(''), refusedBy('signed_urls', /needs a signed URL/));
  await assert.rejects(play(`?expires=${later}&sign=${hmac('/live/other', later)}`), refusedBy('signed_urls', /bad signature/));
  await assert.rejects(play(`?expires=${later + 1}&sign=${hmac('/live/livestream', later)}`), refusedBy('signed_urls', /bad signature/));
  await assert.rejects(play(`?expires=${later}&sign=abc`), refusedBy('signed_urls', /bad signature/));
  await assert.rejects(play(`?expires=soon&sign=abc`), refusedBy('signed_urls', /malformed expires/));
  await assert.rejects(play(`?sign=${later}-${md5(`/live/livestream-${later}-wrong`)}`), refusedBy('signed_urls', /bad signature/));
  await assert.rejects(play('?sign=xyz'), refusedBy('signed_urls', /malformed sign/));

  const past = NOW - 1;
  await assert.rejects(play(`?expires=${past}&sign=${hmac('/live/livestream', past)}`), refusedBy('signed_urls', /expired/));
  await assert.rejects(play(`?sign=${past}-${md5(`/live/livestream-${past}-${key}`)}`), refusedBy('signed_urls', /expired/));
  // publish off: publishers need no signature.
  assert.deepEqual(await gate.publish(fakeSession()), {});
});

test('signed URLs: the md5 form is refused when nms_sign is off', async (t) => {
  const gate = gateOf(t, vhost({ signed_urls: { enabled: true, key, nms_sign: false } }));
  const later = NOW + 60;
  await assert.rejects(gate.publish(fakeSession({ param: `?sign=${later}-${md5(`/live/livestream-${later}-${key}`)}` })), RuleDenied);
});

test('signStreamUrl and `sluice sign` make the URLs the gate accepts', async (t) => {
  const gate = gateOf(t, vhost({ signed_urls: { enabled: true, key } }));
  const expires = NOW + 30;
  for (const nms of [false, true]) {
    for (const url of ['rtmp://h/live/cam', 'http://h:8080/live/cam.flv?x=1', 'http://h:8080/live/cam.m3u8']) {
      const signed = new URL(signStreamUrl(url, { key, expires, nms }));
      assert.equal(signed.searchParams.get('x'), url.includes('x=1') ? '1' : null);
      const protocol = url.endsWith('.m3u8') ? 'hls' : 'rtmp';
      const stream = url.endsWith('.m3u8') ? 'cam.m3u8' : 'cam';
      assert.deepEqual(await gate.play(fakeSession({ protocol, stream, param: signed.search })), {});
    }
  }
  const lines: string[] = [];
  assert.equal(runSignCommand(['rtmp://h/live/cam', '--key', key, '--ttl', '30'], (l) => lines.push(l), () => NOW_MS), 0);
  assert.equal(lines[0], `rtmp://h/live/cam?expires=${expires}&sign=${hmac('/live/cam', expires)}`);
  assert.equal(runSignCommand(['rtmp://h/live/cam'], () => undefined), 2);
});

test('security: SRS 7 semantics (deny first, then allow; any allow rule makes allow required)', async (t) => {
  const check = async (security: Record<string, unknown>, action: 'publish' | 'play', ip: string): Promise<boolean> => {
    const gate = gateOf(t, vhost({ security: { enabled: true, ...security } }));
    return gate[action](fakeSession({ ip })).then(() => true, (e: unknown) => {
      if (!(e instanceof RuleDenied) || e.rule !== 'security') throw e;
      return false;
    });
  };
  const brief = { allow: ['publish 127.0.0.1', 'play 10.0.0.0/8'], deny: ['play all'] };
  assert.equal(await check(brief, 'publish', '127.0.0.1'), true);
  assert.equal(await check(brief, 'publish', '192.168.1.2'), false);
  // deny play all is checked first, so the allow for 10/8 never admits a player.
  assert.equal(await check(brief, 'play', '10.1.2.3'), false);

  // No rules at all: everyone is refused. Only deny rules: the rest is admitted.
  assert.equal(await check({}, 'play', '127.0.0.1'), false);
  assert.equal(await check({ deny: 'publish 127.0.0.1' }, 'publish', '127.0.0.1'), false);
  assert.equal(await check({ deny: 'publish 127.0.0.1' }, 'publish', '127.0.0.2'), true);
  assert.equal(await check({ deny: 'publish 127.0.0.1' }, 'play', '127.0.0.1'), true);
  // An allow rule for publish only: players are not allowed by any rule (as in SRS).
  assert.equal(await check({ allow: 'publish all' }, 'play', '127.0.0.1'), false);

  // CIDR, IPv6 and IPv4-mapped IPv6 addresses.
  const v6 = { allow: ['publish 2001:db8::/32', 'publish ::1', 'publish 192.168.0.0/16', 'play all'], deny: ['play fd00::/8'] };
  assert.equal(await check(v6, 'publish', '2001:db8:1::5'), true);
  assert.equal(await check(v6, 'publish', '2001:db9::5'), false);
  assert.equal(await check(v6, 'publish', '::1'), true);
  assert.equal(await check(v6, 'publish', '::ffff:192.168.7.8'), true);
  assert.equal(await check(v6, 'publish', '::ffff:c0a8:708'), true);
  assert.equal(await check(v6, 'publish', '192.169.0.1'), false);
  assert.equal(await check(v6, 'play', 'fd12::1'), false);
  assert.equal(await check(v6, 'play', '127.0.0.1'), true);
});

test('security: disabled, or another vhost, checks nothing', async (t) => {
  const gate = gateOf(t, { vhosts: { __defaultVhost__: { security: { enabled: false, deny: 'publish all' } }, locked: { security: { enabled: true } } } });
  assert.deepEqual(await gate.publish(fakeSession()), {});
  await assert.rejects(gate.publish(fakeSession({ vhost: 'locked' })), RuleDenied);
});

test('rules run before callbacks: a refusal calls none, a rename is what the callbacks see', async (t) => {
  const receiver = await startReceiver(t);
  const gate = gateOf(t, {
    publish_secret: { enabled: true, secret: 'pw' },
    vhosts: { __defaultVhost__: { http_hooks: { enabled: true, on_publish: receiver.url('/publish') } } },
  });
  await assert.rejects(gate.publish(fakeSession({ stream: 'cam' })), RuleDenied);
  assert.equal(receiver.requests.length, 0);
  assert.deepEqual(await gate.publish(fakeSession({ stream: 'campw' })), { stream: 'cam' });
  assert.equal(receiver.requests.length, 1);
  assert.equal(JSON.parse(receiver.requests[0]!.body).stream, 'cam');
});
