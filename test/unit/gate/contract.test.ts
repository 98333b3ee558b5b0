import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { verifyWebhook } from '../../../src/index.js';
import { AccessDenied } from '../../../src/util/errors.js';
import { fakeSession, makeGate, Receiver, sleep, startReceiver, tempDir, type Answer } from './support.js';

/** What the contract needs to know about a dialect; every dialect must pass the same suite. */
interface DialectCase {
  name: string;
  block: 'http_hooks' | 'http_notify';
  settings: Record<string, unknown>;
  /** The gate event of a publish, and the informational event of its end. */
  gateEvent: string;
  doneEvent: string;
  allow: Answer;
  refuse: Answer;
}

const json = (status: number, body: string): Answer => (_req, res) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(body);
};

const DIALECTS: DialectCase[] = [
  { name: 'srs', block: 'http_hooks', settings: {}, gateEvent: 'on_publish', doneEvent: 'on_unpublish', allow: json(200, '0'), refuse: json(200, '1') },
  { name: 'notify', block: 'http_notify', settings: {}, gateEvent: 'on_publish', doneEvent: 'on_publish_done', allow: json(200, ''), refuse: json(403, '') },
  {
    name: 'oryx',
    block: 'http_hooks',
    settings: { dialect: 'oryx', opaque: 'op4que' },
    gateEvent: 'on_publish',
    doneEvent: 'on_unpublish',
    allow: json(200, '{"code":0}'),
    refuse: json(200, '{"code":1}'),
  },
];

async function deadUrl(): Promise<string> {
  const gone = await Receiver.start();
  const url = gone.url('/gone');
  await gone.close();
  return url;
}

for (const dialect of DIALECTS) {
  describe(`gate contract: ${dialect.name} dialect`, () => {
    async function withGate(
      urls: { gate?: string[]; done?: string[] },
      extra: Record<string, unknown>,
      run: (gate: ReturnType<typeof makeGate>) => Promise<void>,
    ): Promise<void> {
      const dir = tempDir();
      const block = { enabled: true, ...dialect.settings, ...extra, [dialect.gateEvent]: urls.gate ?? [], [dialect.doneEvent]: urls.done ?? [] };
      const gate = makeGate({ [dialect.block]: block }, dir.dir);
      try {
        await run(gate);
      } finally {
        await gate.close();
        dir.remove();
      }
    }

    test('allows when the receiver allows, and tells it the stream and its query', async (t) => {
      const receiver = await startReceiver(t, dialect.allow);
      await withGate({ gate: [receiver.url('/hook')] }, {}, async (gate) => {
        assert.deepEqual(await gate.publish(fakeSession({ param: '?token=abc&salt=1' })), {});
      });
      assert.equal(receiver.requests.length, 1);
      assert.match(receiver.requests[0]!.body, /livestream/);
      assert.match(receiver.requests[0]!.body, /token=abc/);
    });

    test('refuses when the receiver refuses, saying which event, but not where the receiver is', async (t) => {
      const receiver = await startReceiver(t, dialect.refuse);
      await withGate({ gate: [receiver.url('/hook')] }, {}, async (gate) => {
        await assert.rejects(gate.publish(fakeSession()), (error: unknown) => {
          assert.ok(error instanceof AccessDenied);
          assert.ok(error.reason.startsWith(`${dialect.gateEvent} answered`), error.reason);
          assert.ok(!error.reason.includes(receiver.url('')), error.reason);
          return true;
        });
      });
    });

    test('refuses when the receiver is down (fail closed)', async (t) => {
      await withGate({ gate: [await deadUrl()] }, {}, async (gate) => {
        await assert.rejects(gate.publish(fakeSession()), /is unreachable: ECONNREFUSED/);
      });
    });

    test('refuses when the receiver is slower than the timeout', async (t) => {
      const receiver = await startReceiver(t, async (req, res) => {
        await sleep(1000);
        await dialect.allow(req, res);
      });
      await withGate({ gate: [receiver.url('/slow')] }, { timeout: '150ms' }, async (gate) => {
        const started = Date.now();
        await assert.rejects(gate.publish(fakeSession()), /did not answer within 150 ms/);
        assert.ok(Date.now() - started < 900);
      });
    });

    test('fail_open allows when the receiver is down, but never overrides a refusal', async (t) => {
      const receiver = await startReceiver(t, dialect.refuse);
      await withGate({ gate: [await deadUrl()] }, { fail_open: [dialect.gateEvent] }, async (gate) => {
        assert.deepEqual(await gate.publish(fakeSession()), {});
        assert.equal(gate.listDeliveries({ event: dialect.gateEvent })[0]?.outcome, 'failed-open');
      });
      await withGate({ gate: [receiver.url('/no')] }, { fail_open: [dialect.gateEvent] }, async (gate) => {
        await assert.rejects(gate.publish(fakeSession()), AccessDenied);
      });
    });

    test('asks several URLs in order; the second refusing refuses', async (t) => {
      const first = await startReceiver(t, dialect.allow);
      const second = await startReceiver(t, dialect.refuse);
      await withGate({ gate: [first.url('/one'), second.url('/two')] }, {}, async (gate) => {
        await assert.rejects(gate.publish(fakeSession()), (error: unknown) => error instanceof AccessDenied);
      });
      assert.equal(first.requests.length, 1);
      assert.equal(second.requests.length, 1);
    });

    test('delivers the end of a publish in the background, retrying a failing receiver', async (t) => {
      let calls = 0;
      const receiver = await startReceiver(t, (req, res) => (++calls === 1 ? json(503, '')(req, res) : dialect.allow(req, res)));
      await withGate({ done: [receiver.url('/done')] }, {}, async (gate) => {
        const session = fakeSession();
        await gate.publish(session);
        gate.unpublished(session);
        const [first, retry] = await receiver.waitFor(2);
        assert.equal(first!.headers['webhook-id'], retry!.headers['webhook-id'], 'the same id on every attempt');
        await sleep(20);
        assert.deepEqual(gate.listDeliveries({ event: dialect.doneEvent }).map((d) => d.outcome), ['delivered', 'retrying']);
      });
    });

    test('signs gate and informational calls when a secret is set', async (t) => {
      const secret = 'whsec_' + Buffer.from('a shared secret of 32 bytes long').toString('base64');
      const receiver = await startReceiver(t, dialect.allow);
      await withGate({ gate: [receiver.url('/g')], done: [receiver.url('/d')] }, { secret }, async (gate) => {
        const session = fakeSession();
        await gate.publish(session);
        gate.unpublished(session);
        await receiver.waitFor(2);
      });
      for (const request of receiver.requests) {
        const signedBody = request.method === 'GET' ? '' : request.body;
        assert.deepEqual(verifyWebhook(secret, request.headers, signedBody).ok, true);
        assert.equal(verifyWebhook(secret, request.headers, signedBody + ' ').ok, false);
      }
    });

    test('survives a receiver that answers garbage or a huge body', async (t) => {
      const huge = await startReceiver(t, (_req, res) => {
        res.writeHead(200);
        const chunk = Buffer.alloc(64 * 1024, 0x30);
        let left = 200; // 12.8 MB
        const pump = (): void => {
          while (left-- > 0) if (!res.write(chunk)) return void res.once('drain', pump);
          res.end();
        };
        pump();
      });
      // Not HTTP at all: a broken status line.
      const garbage = await startReceiver(t, (_req, res) => void res.socket?.end('HTTP/1.1 2OO nonsense\r\n\r\n'));
      await withGate({ gate: [huge.url('/huge')] }, {}, async (gate) => {
        const started = Date.now();
        const result = await gate.publish(fakeSession()).then(() => 'allowed', (e: AccessDenied) => e.reason);
        // A 2xx is enough for notify; JSON dialects refuse an oversized body.
        if (dialect.name === 'notify') assert.equal(result, 'allowed');
        else assert.match(result, /oversized body/);
        assert.ok(Date.now() - started < 3000);
      });
      await withGate({ gate: [garbage.url('/garbage')] }, {}, async (gate) => {
        await assert.rejects(gate.publish(fakeSession()), AccessDenied);
      });
    });
  });
}
