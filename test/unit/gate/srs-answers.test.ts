import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ManagedGate } from '../../../src/gate/index.js';
import { AccessDenied } from '../../../src/util/errors.js';
import { fakeSession, makeGate, Receiver, tempDir } from './support.js';

/** SRS's success rule: 200/201 and a body of exactly `0` or a JSON object with the integer code 0. */

let receiver: Receiver;
let gate: ManagedGate;
let reply = { status: 200, body: '0', headers: {} as Record<string, string> };
const dir = tempDir();

before(async () => {
  receiver = await Receiver.start((_req, res) => {
    res.writeHead(reply.status, reply.headers);
    res.end(reply.body);
  });
  gate = makeGate({ http_hooks: { enabled: true, on_publish: receiver.url('/api/v1/streams') } }, dir.dir);
});

after(async () => {
  await gate.close();
  await receiver.close();
  dir.remove();
});

const ALLOWED: Array<[number, string]> = [
  [200, '0'],
  [201, '0'],
  [200, '{"code":0}'],
  [200, '{"code":0,"data":null}'],
  [200, ' { "code" : 0 , "msg": "ok" } '],
];

for (const [status, body] of ALLOWED) {
  test(`allows ${status} ${JSON.stringify(body)}`, async () => {
    reply = { status, body, headers: {} };
    assert.deepEqual(await gate.publish(fakeSession({ protocol: 'http-flv' })), {});
  });
}

const REFUSED: Array<[number, string, RegExp]> = [
  [200, '1', /answered body "1"; the body must be 0 or \{"code":0\}$/],
  [200, '{"code":1}', /answered body "\{\\"code\\":1\}"; the body must be 0/],
  [200, '"0"', /answered body "\\"0\\""; the body must be 0/],
  [200, '{"code":"0"}', /the body must be 0 or/],
  [200, '{"code":0.5}', /the body must be 0 or/],
  [200, '[0]', /the body must be 0 or/],
  [200, '', /answered body ""; the body must be 0/],
  [200, '0\n', /the body must be 0 or/],
  [200, 'null', /the body must be 0 or/],
  [200, '<html>oops</html>', /answered body "<html>oops<\/html>"/],
  [204, '', /answered 204$/],
  [302, '0', /answered 302$/],
  [403, '0', /answered 403$/],
  [500, '0', /answered 500$/],
];

for (const [status, body, reason] of REFUSED) {
  test(`refuses ${status} ${JSON.stringify(body)}`, async () => {
    reply = { status, body, headers: status === 302 ? { location: '/elsewhere' } : {} };
    await assert.rejects(gate.publish(fakeSession({ protocol: 'http-flv' })), (error: unknown) => {
      assert.ok(error instanceof AccessDenied);
      assert.ok(error.reason.startsWith('on_publish '), error.reason);
      assert.ok(!error.reason.includes(receiver.url('')), 'the receiver\'s address is not told to the client');
      assert.match(error.reason, reason);
      return true;
    });
  });
}

test('a refusal quotes at most 80 characters of the body', async () => {
  reply = { status: 200, body: 'x'.repeat(5000), headers: {} };
  const error = (await gate.publish(fakeSession()).catch((e: unknown) => e)) as AccessDenied;
  assert.ok(error.reason.length < 250, error.reason);
});

test('every gate call is in the delivery log with its status, answer and latency', () => {
  const [latest] = gate.listDeliveries({ limit: 1 });
  assert.equal(latest?.event, 'on_publish');
  assert.equal(latest?.outcome, 'refused');
  assert.equal(latest?.status, 200);
  assert.equal(Buffer.byteLength(latest!.answer), 200, 'answer excerpt is cut at 200 bytes');
  assert.ok(latest!.latencyMs > 0);
  assert.equal(gate.listDeliveries({ event: 'on_publish', limit: 1000 }).length, ALLOWED.length + REFUSED.length + 1);
});
