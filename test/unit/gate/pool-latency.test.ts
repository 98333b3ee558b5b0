import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request } from 'undici';
import { fakeSession, makeGate, startReceiver, tempDir } from './support.js';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

test('gate calls reuse pooled keep-alive connections', async (t) => {
  const receiver = await startReceiver(t);
  const dir = tempDir();
  const gate = makeGate({ http_hooks: { enabled: true, on_publish: receiver.url('/p'), on_unpublish: receiver.url('/u') } }, dir.dir);
  try {
    for (let i = 0; i < 20; i++) await gate.publish(fakeSession({ id: `s${i}` }));
    const ports = new Set(receiver.requests.map((r) => r.remotePort));
    // A connection is released a tick after its answer, so a second may open; never one per call.
    assert.ok(ports.size <= 2, `twenty sequential calls used ${ports.size} connections`);
  } finally {
    await gate.close();
    dir.remove();
  }
});

test('the latency a callback adds to a publish on loopback (printed, not asserted)', async (t) => {
  const receiver = await startReceiver(t);
  const dir = tempDir();
  const gate = makeGate({ http_hooks: { enabled: true, on_publish: receiver.url('/p') } }, dir.dir);
  const runs = 500;
  try {
    const measure = async (call: () => Promise<unknown>): Promise<number[]> => {
      for (let i = 0; i < 50; i++) await call(); // warm up the pool and the JIT
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const started = performance.now();
        await call();
        times.push(performance.now() - started);
      }
      return times.sort((a, b) => a - b);
    };
    const session = fakeSession({ protocol: 'http-flv' });
    const withGate = await measure(() => gate.publish(session));
    const bare = await measure(async () => {
      const res = await request(receiver.url('/p'), { method: 'POST', body: '{}' });
      await res.body.text();
    });
    const line = (name: string, v: number[]) =>
      `${name}: median ${percentile(v, 50).toFixed(3)} ms, p99 ${percentile(v, 99).toFixed(3)} ms`;
    t.diagnostic(line('gate.publish with an SRS on_publish callback', withGate));
    t.diagnostic(line('bare undici POST to the same receiver', bare));
    t.diagnostic(`added by the gate (medians): ${(percentile(withGate, 50) - percentile(bare, 50)).toFixed(3)} ms`);
    assert.equal(gate.listDeliveries({ limit: 10_000 }).length, runs + 50);
  } finally {
    await gate.close();
    dir.remove();
  }
});

test('the delivery log keeps only the last N entries', async (t) => {
  const receiver = await startReceiver(t);
  const dir = tempDir();
  const gate = makeGate({ http_hooks: { enabled: true, on_publish: receiver.url('/p') } }, dir.dir, { deliveryLogLimit: 50 });
  try {
    for (let i = 0; i < 230; i++) await gate.publish(fakeSession({ id: `s${i}`, protocol: 'http-flv' }));
    const kept = gate.listDeliveries({ limit: 1000 });
    assert.ok(kept.length >= 50 && kept.length < 150, `kept ${kept.length}`);
    assert.equal(kept[0]!.seq, 230, 'newest first');
    assert.equal(gate.listDeliveries({ limit: 5 }).length, 5);
    assert.equal(gate.listDeliveries({ event: 'on_play' }).length, 0);
  } finally {
    await gate.close();
    dir.remove();
  }
});
