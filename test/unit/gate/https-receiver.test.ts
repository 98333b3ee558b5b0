import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { AccessDenied, ConfigError } from '../../../src/util/errors.js';
import { issueServerCertificate, makeTestCa } from '../../support/tls.js';
import { fakeSession, makeGate, tempDir } from './support.js';

test('an https:// receiver is trusted through ca_file, and refused (fail closed) without it', async (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  const ca = await makeTestCa(dir);
  const cert = await issueServerCertificate(dir, ca, 'receiver');
  const receiver = createServer({ key: await readFile(cert.keyFile), cert: await readFile(cert.certFile) }, (req, res) => {
    req.resume().on('end', () => res.end('0'));
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => receiver.close(resolve)));
  const url = `https://127.0.0.1:${(receiver.address() as AddressInfo).port}/on_publish`;

  const trusting = makeGate({ http_hooks: { enabled: true, on_publish: url, ca_file: ca.caFile } }, join(dir, 'a'));
  t.after(() => trusting.close());
  assert.deepEqual(await trusting.publish(fakeSession()), {});

  const plain = makeGate({ http_hooks: { enabled: true, on_publish: url } }, join(dir, 'b'));
  t.after(() => plain.close());
  await assert.rejects(plain.publish(fakeSession()), (error: unknown) => error instanceof AccessDenied && /unreachable/.test(error.message));
});

test('a ca_file that cannot be read is a configuration error naming the setting', (t) => {
  const { dir, remove } = tempDir();
  t.after(remove);
  assert.throws(
    () => makeGate({ http_hooks: { enabled: true, on_publish: 'https://127.0.0.1:1/x', ca_file: join(dir, 'missing.pem') } }, dir),
    (error: unknown) => error instanceof ConfigError && error.where === 'http_hooks.ca_file',
  );
});
