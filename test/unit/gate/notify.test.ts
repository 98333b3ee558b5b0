import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fakeSession, makeGate, Receiver, sleep, startReceiver, tempDir, type Received } from './support.js';

/** The notify dialect against a capture of nginx-rtmp 1.2.2 (publish `?token=abc&salt=1`, play `?k=v`, record). */

const captured = readFileSync(new URL('./fixtures/nginx-rtmp-1.2.2-notify.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as { url: string; body: string });

/** Form fields in order, with Sluice's Happytime extras dropped and per-run values blanked. */
function normalize(form: string): string[] {
  return form
    .split('&')
    .filter((pair) => !pair.startsWith('protocol=') && !pair.startsWith('url='))
    .map((pair) => pair.replace(/^(clientid|epoch)=.*/, '$1=*').replace(/127\.0\.0\.1:\d+/, 'HOST'));
}

function reference(path: string): string[] {
  const found = captured.find((c) => c.url === path);
  assert.ok(found, `no captured ${path}`);
  return normalize(found.body);
}

const EVENTS = ['on_connect', 'on_publish', 'on_play', 'on_done', 'on_publish_done', 'on_play_done', 'on_record_done'];

function notifyBlock(receiver: Receiver, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const block: Record<string, unknown> = { enabled: true, ...extra };
  for (const event of EVENTS) block[event] = receiver.url(`/${event}`);
  return block;
}

const publisher = () => fakeSession({ id: '1', param: '?token=abc&salt=1' });
const player = () =>
  fakeSession({ id: '4', param: '?k=v', flashVer: 'LNX 9,0,124,2', playOptions: { start: -2, duration: 0, reset: false } });

async function scenario(method: 'post' | 'get', receiver: Receiver): Promise<Received[]> {
  const dir = tempDir();
  const gate = makeGate({ http_notify: notifyBlock(receiver, { notify_method: method }) }, dir.dir);
  try {
    // As over RTMP: the query is known at the publish or play command, after connect.
    const pub = publisher();
    pub.param = '';
    await gate.connect(pub);
    pub.param = '?token=abc&salt=1';
    await gate.publish(pub);
    const play = player();
    play.param = '';
    await gate.connect(play);
    play.param = '?k=v';
    await gate.play(play);
    gate.stopped(play);
    gate.unpublished(pub);
    gate.recordingFinished({ session: pub, uuid: 'r1', cwd: '/', file: '/var/lib/nginx-rtmp/rec/livestream.flv' });
    return await receiver.waitFor(9);
  } finally {
    await gate.close();
    dir.remove();
  }
}

test('POST: the same form fields as nginx-rtmp, in its order, with the client query appended', async (t) => {
  const receiver = await startReceiver(t, (_req, res) => res.end());
  const got = await scenario('post', receiver);
  const of = (path: string) => got.filter((r) => r.url === path).map((r) => normalize(r.body));
  // on_connect also carries the client id (Happytime has it; nginx has only `epoch`).
  const [pubConnect, playConnect] = of('/on_connect').map((fields) => fields.filter((f) => f !== 'clientid=*'));
  assert.deepEqual(pubConnect, reference('/on_connect'));
  assert.deepEqual(playConnect, normalize(captured[2]!.body));
  assert.deepEqual(of('/on_publish')[0], reference('/on_publish'));
  assert.deepEqual(of('/on_play')[0], reference('/on_play'));
  assert.deepEqual(of('/on_play_done')[0], reference('/on_play_done'));
  assert.deepEqual(of('/on_publish_done')[0], reference('/on_publish_done'));
  assert.deepEqual(of('/on_done'), [reference('/on_done'), normalize(captured[7]!.body)]);
  assert.deepEqual(of('/on_record_done')[0], reference('/on_record_done'));
  for (const request of got) assert.equal(request.headers['content-type'], 'application/x-www-form-urlencoded');
  // Happytime's fields ride along.
  assert.match(got.find((r) => r.url === '/on_publish')!.body, /&protocol=rtmp&url=rtmp:\/\/127\.0\.0\.1:19350\/live\/livestream&token=abc&salt=1$/);
});

test('GET: the same fields in the query string, no body', async (t) => {
  const receiver = await startReceiver(t, (_req, res) => res.end());
  const got = await scenario('get', receiver);
  const publish = got.find((r) => r.url.startsWith('/on_publish?'))!;
  assert.equal(publish.method, 'GET');
  assert.equal(publish.body, '');
  assert.deepEqual(normalize(publish.url.slice('/on_publish?'.length)), reference('/on_publish'));
});

test('any 2xx allows; another status refuses', async (t) => {
  let status = 204;
  const receiver = await startReceiver(t, (_req, res) => {
    res.writeHead(status);
    res.end();
  });
  const dir = tempDir();
  const gate = makeGate({ http_notify: { enabled: true, on_play: receiver.url('/p') } }, dir.dir);
  try {
    assert.deepEqual(await gate.play(player()), {});
    status = 404;
    await assert.rejects(gate.play(player()), /on_play answered 404$/);
  } finally {
    await gate.close();
    dir.remove();
  }
});

test('a 3xx with Location renames the stream, or relays it to an rtmp:// URL', async (t) => {
  let location = 'renamed?ignored=1';
  const receiver = await startReceiver(t, (req, res) => {
    if (req.url === '/on_publish' || req.url === '/on_play') res.writeHead(302, { location });
    res.end();
  });
  const dir = tempDir();
  const gate = makeGate({ http_notify: notifyBlock(receiver) }, dir.dir);
  try {
    const session = publisher();
    assert.deepEqual(await gate.publish(session), { stream: 'renamed' });
    assert.equal(session.stream, 'renamed');
    gate.unpublished(session);
    const [done] = await receiver.waitFor(1, (r) => r.url === '/on_publish_done');
    assert.match(done!.body, /&name=renamed&/);

    location = 'rtmp://elsewhere/live/x';
    const relayed = publisher();
    assert.deepEqual(await gate.publish(relayed), { relayTo: 'rtmp://elsewhere/live/x' });
    assert.equal(relayed.stream, 'livestream', 'a relay keeps the local name');
    assert.deepEqual(await gate.play(player()), { pullFrom: 'rtmp://elsewhere/live/x' });
    location = 'http://elsewhere/live/x';
    await assert.rejects(gate.publish(publisher()), /answered 302 to "http:\/\/elsewhere\/live\/x"; only rtmp:\/\/ and rtmps:\/\/ relays are supported/);
    location = '../escape';
    await assert.rejects(gate.publish(publisher()), /stream name must not contain/);
  } finally {
    await gate.close();
    dir.remove();
  }
});

test('on_update is asked while the session lives; a refusal ends the session', async (t) => {
  let updates = 0;
  const receiver = await startReceiver(t, (req, res) => {
    if (req.url === '/on_update' && ++updates >= 3) res.writeHead(403);
    res.end();
  });
  const dir = tempDir();
  const gate = makeGate({ http_notify: { enabled: true, on_update: receiver.url('/on_update'), notify_update_timeout: '30ms' } }, dir.dir);
  try {
    const session = publisher();
    await gate.publish(session);
    await receiver.waitFor(3);
    await sleep(50);
    assert.equal(session.terminated.length, 1);
    assert.match(session.terminated[0]!, /^on_update answered 403$/);
    assert.equal(updates, 3, 'no update after the refusal');
    const form = new URLSearchParams(receiver.requests[0]!.body);
    assert.equal(form.get('call'), 'update');
    assert.equal(form.get('name'), 'livestream');
    assert.match(form.get('time') ?? '', /^\d+$/);

    const viewer = player();
    await gate.play(viewer);
    gate.stopped(viewer);
    await sleep(100);
    assert.equal(updates, 3, 'a stopped session is not asked about');
  } finally {
    await gate.close();
    dir.remove();
  }
});

test('on_update that cannot reach the receiver ends the session only with notify_update_strict', async () => {
  const gone = await Receiver.start();
  const url = gone.url('/on_update');
  await gone.close();
  for (const strict of [false, true]) {
    const dir = tempDir();
    const gate = makeGate(
      { http_notify: { enabled: true, on_update: url, notify_update_timeout: '20ms', notify_update_strict: strict } },
      dir.dir,
    );
    try {
      const session = publisher();
      await gate.publish(session);
      await sleep(150);
      assert.equal(session.terminated.length, strict ? 1 : 0);
    } finally {
      await gate.close();
      dir.remove();
    }
  }
});
