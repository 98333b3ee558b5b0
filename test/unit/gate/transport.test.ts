import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PooledTransport } from '../../../src/gate/http/transport.js';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
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

test('chunked answers, answers that end with the connection, and a 3xx Location are read whole', async () => {
  const chunked = await Receiver.start((_req, res) => {
    res.write('{"code"');
    setTimeout(() => res.end(':0}'), 5);
  });
  // HTTP/1.0 style: no length, the body ends when the connection does.
  const raw = createServer((socket) => {
    socket.once('data', () => socket.end('HTTP/1.1 302 Found\r\nLocation: cam2\r\n\r\nmoved'));
  });
  await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
  const transport = new PooledTransport();
  try {
    const a = await transport.send({ method: 'POST', url: chunked.url('/c'), headers: {}, body: '{}', timeoutMs: 5000 });
    assert.deepEqual([a.status, a.body, a.truncated], [200, '{"code":0}', false]);
    const port = (raw.address() as AddressInfo).port;
    const b = await transport.send({ method: 'GET', url: `http://127.0.0.1:${port}/x`, headers: {}, body: '', timeoutMs: 5000 });
    assert.deepEqual([b.status, b.location, b.body], [302, 'cam2', 'moved']);
  } finally {
    await transport.close();
    await chunked.close();
    raw.close();
  }
});

test('a kept-alive connection the receiver closed meanwhile is replaced, not reported as a failure', async () => {
  const receiver = await Receiver.start((_req, res) => res.end('0'));
  const transport = new PooledTransport();
  // Closes every idle connection the server has, as a receiver's keep-alive timeout does.
  const dropIdle = () => (receiver as unknown as { server: { closeIdleConnections(): void } }).server.closeIdleConnections();
  try {
    const base = { method: 'POST' as const, url: receiver.url('/p'), headers: {}, body: '{}', timeoutMs: 5000 };
    for (let i = 0; i < 20; i++) {
      const answer = await transport.send(base);
      assert.equal(answer.body, '0');
      dropIdle();
    }
    assert.equal(receiver.requests.length, 20, 'every call reached the receiver exactly once');
  } finally {
    await transport.close();
    await receiver.close();
  }
});
