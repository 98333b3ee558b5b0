import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { runHooksCommand } from '../../../src/cli/hooks-command.js';
import { startHookReceiver } from '../../../src/cli/hooks-serve.js';
import { DELIVERY_BATCH_MS } from '../../../src/gate/delivery-log.js';
import { fakeSession, makeGate, startReceiver, tempDir } from './support.js';

function capture(): { lines: string[]; out: (line: string) => void } {
  const lines: string[] = [];
  return { lines, out: (line) => void lines.push(line) };
}

test('hooks serve: allows known tokens, refuses others and unsigned calls, prints one line per event', async (t) => {
  const dir = tempDir();
  t.after(() => dir.remove());
  const printed = capture();
  const secret = 'receiver-secret';
  const receiver = await startHookReceiver({ port: 0, host: '127.0.0.1', tokens: new Set(['abc']), secret, out: printed.out });
  t.after(() => receiver.close());
  const base = `http://127.0.0.1:${receiver.port}/api/v1`;
  const gate = makeGate(
    {
      http_hooks: { enabled: true, secret, on_connect: `${base}/clients`, on_publish: `${base}/streams`, on_unpublish: `${base}/streams`, on_close: `${base}/clients` },
      http_notify: { enabled: true, secret, on_play: `${base}/on_play` },
    },
    dir.dir,
  );
  try {
    const good = fakeSession({ id: 'good', param: '?token=abc&salt=1' });
    await gate.connect(good);
    await gate.publish(good);
    gate.unpublished(good);
    gate.closed(good);
    await assert.rejects(gate.publish(fakeSession({ id: 'bad', protocol: 'http-flv', param: '?token=nope' })), /answered body "\{\\"code\\":1/);
    await assert.rejects(gate.play(fakeSession({ id: 'viewer', protocol: 'http-flv', param: '?token=zzz' })), /answered 403/);
    assert.deepEqual(await gate.play(fakeSession({ id: 'viewer2', protocol: 'http-flv', param: '?token=abc' })), {});
    for (let i = 0; i < 100 && printed.lines.length < 7; i++) await new Promise((r) => setTimeout(r, 10));
  } finally {
    await gate.close();
  }
  const text = printed.lines.join('\n');
  assert.match(text, /on_connect srs client=good@127\.0\.0\.1 \/live\/livestream\?token=abc&salt=1 -> allowed/);
  assert.match(text, /on_publish srs client=good@127\.0\.0\.1 \/live\/livestream\?token=abc&salt=1 -> allowed/);
  assert.match(text, /on_publish srs client=bad@127\.0\.0\.1 \/live\/livestream\?token=nope -> refused: token "nope" is not allowed/);
  assert.match(text, /on_play notify client=viewer@127\.0\.0\.1 \/live\/livestream -> refused: token "zzz" is not allowed/);
  assert.match(text, /on_close srs client=good@127\.0\.0\.1 \/live send_bytes=4501 recv_bytes=2576446 -> allowed/);

  // A forged call (no signature) is refused.
  const res = await fetch(`${base}/streams`, { method: 'POST', body: '{"action":"on_publish"}', headers: { 'content-type': 'application/json' } });
  assert.equal(res.status, 401);
  assert.match(printed.lines.at(-1)!, /on_publish srs REFUSED \(401\): missing webhook-id/);
  assert.equal((await fetch(`${base.replace('/api/v1', '')}/elsewhere`)).status, 404);
});

test('hooks test: prints status, body, latency and the verdict, exit 0 when allowed and 1 when not', async (t) => {
  let body = '1';
  const receiver = await startReceiver(t, (_req, res) => res.end(body));
  const refused = capture();
  assert.equal(await runHooksCommand(['test', receiver.url('/api/v1/streams')], refused.out), 1);
  assert.equal(refused.lines[0], `POST ${receiver.url('/api/v1/streams')}  (on_publish, srs dialect)`);
  assert.deepEqual(refused.lines.slice(1, 3), ['status   200', 'body     "1"']);
  assert.match(refused.lines[3]!, /^latency  \d+\.\d ms$/);
  assert.equal(refused.lines[4], 'verdict  would refuse: answered body "1"; the body must be 0 or {"code":0}');

  body = '0';
  const allowed = capture();
  assert.equal(await runHooksCommand(['test', receiver.url('/x'), '--event', 'on_play', '--dialect', 'notify'], allowed.out), 0);
  assert.equal(allowed.lines.at(-1), 'verdict  would allow');
  const sent = receiver.requests.at(-1)!;
  assert.match(sent.body, /^app=live&flashver=.*&call=play&name=livestream&start=4294965296&/);

  const informational = capture();
  assert.equal(await runHooksCommand(['test', receiver.url('/y'), '--event', 'on_record_end', '--dialect', 'oryx'], informational.out), 0);
  assert.match(informational.lines.at(-1)!, /delivered/);
  assert.equal((JSON.parse(receiver.requests.at(-1)!.body) as { action: string }).action, 'on_record_end');

  const down = capture();
  assert.equal(await runHooksCommand(['test', 'http://127.0.0.1:9/none', '--timeout', '500ms'], down.out), 1);
  assert.match(down.lines.at(-1)!, /^verdict  would refuse: is unreachable: ECONNREFUSED$/);

  const bad = capture();
  assert.equal(await runHooksCommand(['test', receiver.url('/z'), '--event', 'on_nothing'], bad.out), 2);
});

test('hooks log: prints the delivery log of a data directory, oldest first', async (t) => {
  const receiver = await startReceiver(t);
  const dir = tempDir();
  t.after(() => dir.remove());
  const gate = makeGate({ http_hooks: { enabled: true, on_publish: receiver.url('/p'), on_play: receiver.url('/q') } }, dir.dir);
  await gate.publish(fakeSession({ protocol: 'http-flv' }));
  await gate.play(fakeSession({ protocol: 'http-flv' }));
  await new Promise((resolve) => setTimeout(resolve, DELIVERY_BATCH_MS + 20)); // the log's entries are written in batches
  const printed = capture();
  // Readable while the server holds the database open.
  assert.equal(await runHooksCommand(['log', '--data-dir', dir.dir, '--limit', '10'], printed.out), 0);
  await gate.close();
  assert.equal(printed.lines.length, 2);
  assert.match(printed.lines[0]!, /^\d{4}-\d\d-\d\dT.*Z {2}on_publish +srs {4}POST http:\/\/127\.0\.0\.1:\d+\/p {2}200 {2}\d+\.\d ms {2}#1 allowed {2}"0"$/);
  assert.match(printed.lines[1]!, /on_play/);

  const none = capture();
  assert.equal(await runHooksCommand(['log', '--data-dir', join(dir.dir, 'missing')], none.out), 1);
  assert.match(none.lines[0]!, /no delivery log at/);
});
