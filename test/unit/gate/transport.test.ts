import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HookTransportError, PooledTransport } from '../../../src/gate/http/transport.js';
import { Receiver } from './support.js';

test('an answer is read up to the per-call limit (hls_nb_notify), else the transport limit', async () => {
  const receiver = await Receiver.start((_req, res) => res.end('x'.repeat(100_000)));
  const transport = new PooledTransport({ maxBodyBytes: 1000 });
  try {
    const base = { method: 'GET' as const, url: receiver.url('/notify'), headers: {}, body: '', timeoutMs: 5000 };
    const limited = await transport.send({ ...base, maxAnswerBytes: 64 });
    assert.equal(limited.body.length, 64);
    assert.equal(limited.truncated, true);
    const plain = await transport.send(base);
    assert.equal(plain.body.length, 1000);
  } finally {
    await transport.close();
    await receiver.close();
  }
});

test('the warm-up is answered by a receiver of its own and leaves the transport ready; a close while it runs ends both', async () => {
  const receiver = await Receiver.start((_req, res) => res.end('{"code":0}'));
  const transport = new PooledTransport();
  try {
    assert.equal(await transport.warmUp(), true);
    assert.equal(receiver.requests.length, 0, 'nothing reaches the configured receivers');
    const answer = await transport.send({ method: 'POST', url: receiver.url('/on_connect'), headers: {}, body: '{}', timeoutMs: 5000 });
    assert.equal(answer.body, '{"code":0}');
  } finally {
    await transport.close();
    await receiver.close();
  }
  const closing = new PooledTransport();
  const warming = closing.warmUp();
  await closing.close();
  assert.equal(typeof (await warming), 'boolean');
});

test('a call still queued behind a busy connection times out and is never sent', async () => {
  let release: () => void = () => {};
  const receiver = await Receiver.start((req, res) => {
    if (req.url === '/slow') release = () => res.end('slow');
    else res.end('fast');
  });
  const transport = new PooledTransport({ connectionsPerOrigin: 1 });
  try {
    const base = { method: 'POST' as const, headers: {}, body: '{}', timeoutMs: 5000 };
    const slow = transport.send({ ...base, url: receiver.url('/slow') });
    await receiver.waitFor(1);
    const queued = transport.send({ ...base, url: receiver.url('/queued'), timeoutMs: 100 });
    await assert.rejects(queued, (error: HookTransportError) => error.kind === 'timeout');
    release();
    assert.equal((await slow).body, 'slow');
    const after = await transport.send({ ...base, url: receiver.url('/after') });
    assert.equal(after.body, 'fast');
    assert.deepEqual(
      receiver.requests.map((r) => r.url),
      ['/slow', '/after'],
    );
  } finally {
    await transport.close();
    await receiver.close();
  }
});

test('status, Location and a body in several chunks are read; refusals, bad URLs and shutdown are told apart', async () => {
  const receiver = await Receiver.start((_req, res) => {
    res.writeHead(302, { Location: 'rtmp://elsewhere/live/x' });
    res.write('part one, ');
    setTimeout(() => res.end('part two'), 20);
  });
  const transport = new PooledTransport();
  try {
    const base = { method: 'GET' as const, headers: {}, body: '', timeoutMs: 5000 };
    const answer = await transport.send({ ...base, url: receiver.url('/notify?x=1') });
    assert.equal(answer.status, 302);
    assert.equal(answer.location, 'rtmp://elsewhere/live/x');
    assert.equal(answer.body, 'part one, part two');
    assert.equal(answer.truncated, false);
    assert.equal(receiver.requests[0]!.url, '/notify?x=1');

    const closed = new AbortController();
    closed.abort();
    await assert.rejects(transport.send({ ...base, url: receiver.url('/n'), signal: closed.signal }), (error: HookTransportError) => error.kind === 'aborted');
    await assert.rejects(transport.send({ ...base, url: 'not a url' }), (error: HookTransportError) => error.kind === 'unreachable');
    const port = receiver.port;
    await receiver.close();
    await assert.rejects(transport.send({ ...base, url: `http://127.0.0.1:${port}/gone` }), (error: HookTransportError) => error.kind === 'unreachable');
  } finally {
    await transport.close();
  }
});

test('a call aborted in flight ends as aborted; close lets calls in flight finish, refuses later ones, and may be called again', async () => {
  let release: () => void = () => {};
  const receiver = await Receiver.start((req, res) => {
    if (req.url === '/hold') release = () => res.end('held');
  });
  const transport = new PooledTransport();
  try {
    const base = { method: 'POST' as const, headers: {}, body: '{}', timeoutMs: 5000 };
    const abort = new AbortController();
    const aborted = transport.send({ ...base, url: receiver.url('/never'), signal: abort.signal });
    await receiver.waitFor(1);
    abort.abort();
    await assert.rejects(aborted, (error: HookTransportError) => error.kind === 'aborted');
    const held = transport.send({ ...base, url: receiver.url('/hold') });
    await receiver.waitFor(2);
    const closed = transport.close();
    release();
    assert.equal((await held).body, 'held');
    await closed;
    await assert.rejects(transport.send({ ...base, url: receiver.url('/late') }), HookTransportError);
  } finally {
    await transport.close();
    await receiver.close();
  }
});
