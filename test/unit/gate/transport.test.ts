import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PooledTransport } from '../../../src/gate/http/transport.js';
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
