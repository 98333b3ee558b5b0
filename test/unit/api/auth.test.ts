import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { ApiAuth, isLoopback } from '../../../src/api/sluice/auth.js';
import { ApiError } from '../../../src/api/sluice/http.js';

const request = (remoteAddress: string, authorization?: string, origin?: string): IncomingMessage =>
  ({
    socket: { remoteAddress },
    headers: { host: '127.0.0.1:1985', ...(authorization === undefined ? {} : { authorization }), ...(origin === undefined ? {} : { origin }) },
  }) as unknown as IncomingMessage;

const statusOf = async (check: Promise<void>): Promise<number> => {
  try {
    await check;
    return 200;
  } catch (error) {
    assert.ok(error instanceof ApiError);
    return error.status;
  }
};

test('loopback addresses: 127.0.0.0/8, ::1 and their IPv4-mapped forms only', () => {
  for (const address of ['127.0.0.1', '127.3.2.1', '::1', '::ffff:127.0.0.1']) assert.ok(isLoopback(address), address);
  for (const address of ['10.0.0.1', '192.168.1.2', '::ffff:10.0.0.1', 'fe80::1', '::', '', undefined]) assert.ok(!isLoopback(address), String(address));
});

test('no token configured: loopback clients are let in, other addresses and cross-origin pages get 403 and are not counted as wrong tokens', async () => {
  const auth = new ApiAuth(() => []);
  assert.equal(await statusOf(auth.check(request('127.0.0.1'))), 200);
  assert.equal(await statusOf(auth.check(request('::1'))), 200);
  assert.equal(await statusOf(auth.check(request('192.0.2.7', 'Bearer anything'))), 403);
  // Pages of other origins in a local browser are refused; the API's own origin is not.
  assert.equal(await statusOf(auth.check(request('127.0.0.1', undefined, 'http://evil.example'))), 403);
  assert.equal(await statusOf(auth.check(request('127.0.0.1', undefined, 'http://127.0.0.1:8080'))), 403);
  assert.equal(await statusOf(auth.check(request('127.0.0.1', undefined, 'http://127.0.0.1:1985'))), 200);
  assert.equal(auth.refused, 0);
});

test('tokens: any configured one is accepted from any address; missing, wrong or malformed ones get 401 and are counted', async () => {
  const auth = new ApiAuth(() => ['alpha-token', 'beta-token']);
  assert.equal(await statusOf(auth.check(request('192.0.2.7', 'Bearer alpha-token'))), 200);
  assert.equal(await statusOf(auth.check(request('192.0.2.7', 'bearer beta-token'))), 200);
  const refusals = ['', 'Bearer alpha', 'Bearer alpha-token-x', 'Basic YWxwaGEtdG9rZW4=', 'Bearer alpha-token beta-token'];
  for (const header of refusals) assert.equal(await statusOf(auth.check(request('127.0.0.1', header))), 401, header);
  // Loopback does not bypass configured tokens.
  assert.equal(await statusOf(auth.check(request('127.0.0.1'))), 401);
  assert.equal(auth.refused, refusals.length + 1);
});
