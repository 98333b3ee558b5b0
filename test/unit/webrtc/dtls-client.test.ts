import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { generateCertificate, fingerprintOf } from '../../../src/protocols/webrtc/certificate.js';
import { DtlsClient, DtlsServer } from '../../../src/protocols/webrtc/dtls/index.js';
import type { SrtpKeyMaterial } from '../../../src/protocols/webrtc/srtp-profile.js';
import { silentLogger } from '../../../src/util/logger.js';
import { waitFor } from '../../support/wait.js';

interface Pair {
  client: DtlsClient;
  server: DtlsServer;
  clientKeys?: SrtpKeyMaterial;
  serverKeys?: SrtpKeyMaterial;
  clientClosed?: string;
  serverClosed?: string;
}

/** Client and server wired back to back; `lose` drops a datagram in flight. */
function pair(o: { serverFingerprint?: string; lose?: (from: 'client' | 'server', n: number) => boolean } = {}): Pair {
  const clientCert = generateCertificate();
  const serverCert = generateCertificate();
  const p = {} as Pair;
  const counts = { client: 0, server: 0 };
  const deliver = (from: 'client' | 'server', d: Buffer): void => {
    if (o.lose?.(from, counts[from]++)) return;
    setImmediate(() => (from === 'client' ? p.server.handle(d) : p.client.handle(d)));
  };
  p.server = new DtlsServer({
    certificate: serverCert,
    send: (d) => deliver('server', d),
    expectedFingerprint: { algorithm: 'sha-256', value: clientCert.fingerprint },
    onConnected: (k) => (p.serverKeys = k),
    onClose: (r) => (p.serverClosed = r),
    log: silentLogger(),
  });
  p.client = new DtlsClient({
    certificate: clientCert,
    send: (d) => deliver('client', d),
    expectedFingerprint: { algorithm: 'sha-256', value: o.serverFingerprint ?? serverCert.fingerprint },
    onConnected: (k) => (p.clientKeys = k),
    onClose: (r) => (p.clientClosed = r),
    log: silentLogger(),
  });
  return p;
}

test('DtlsClient and DtlsServer agree on SRTP keys, each side local where the other is remote', async () => {
  const p = pair();
  p.client.start();
  await waitFor(() => p.clientKeys !== undefined && p.serverKeys !== undefined, 'both connected');
  const [c, s] = [p.clientKeys!, p.serverKeys!];
  assert.equal(c.profile, 'AEAD_AES_128_GCM');
  assert.equal(s.profile, 'AEAD_AES_128_GCM');
  assert.deepEqual(c.localKey, s.remoteKey);
  assert.deepEqual(c.remoteKey, s.localKey);
  assert.deepEqual(c.localSalt, s.remoteSalt);
  assert.deepEqual(c.remoteSalt, s.localSalt);
  p.client.close();
  await waitFor(() => p.serverClosed !== undefined, 'server closed');
  assert.equal(p.serverClosed, 'peer sent close_notify');
});

test('close_notify from either side ends both sessions, and is answered in kind', async () => {
  for (const closer of ['client', 'server'] as const) {
    const p = pair();
    const sent: Array<{ from: string; bytes: Buffer }> = [];
    const [client, server] = [p.client, p.server];
    p.client.start();
    await waitFor(() => p.clientKeys !== undefined && p.serverKeys !== undefined, 'both connected');
    // Watch the last datagrams: each side's close_notify is one encrypted alert record (type 21).
    const watch = (side: DtlsClient | DtlsServer, from: string): void => {
      const handle = side.handle.bind(side);
      side.handle = (d: Buffer) => {
        sent.push({ from, bytes: d });
        handle(d);
      };
    };
    watch(server, 'client');
    watch(client, 'server');
    (closer === 'client' ? client : server).close();
    await waitFor(() => p.clientClosed !== undefined && p.serverClosed !== undefined, 'both closed');
    const answerer = closer === 'client' ? 'server' : 'client';
    assert.equal(closer === 'client' ? p.serverClosed : p.clientClosed, 'peer sent close_notify');
    assert.equal(closer === 'client' ? p.clientClosed : p.serverClosed, 'closed');
    await waitFor(() => sent.some((d) => d.from === answerer), `the ${answerer}'s close_notify`);
    assert.ok(sent.every((d) => d.bytes[0] === 21), 'only alert records');
  }
});

test('a lost client flight is resent and the handshake still completes', async () => {
  // Client datagram 2 is its first Certificate..Finished flight (0 and 1 are the two hellos).
  const p = pair({ lose: (from, n) => from === 'client' && n === 2 });
  p.client.start();
  await waitFor(() => p.clientKeys !== undefined && p.serverKeys !== undefined, 'both connected', 10_000);
  p.client.close();
  p.server.close();
});

test('a server certificate other than the signalled one is refused', async () => {
  const p = pair({ serverFingerprint: generateCertificate().fingerprint });
  p.client.start();
  await waitFor(() => p.clientClosed !== undefined, 'client closed');
  assert.match(p.clientClosed!, /^badCertificate: server certificate fingerprint/);
  assert.equal(p.clientKeys, undefined);
  await waitFor(() => p.serverClosed !== undefined, 'server told');
  assert.match(p.serverClosed!, /fatal alert badCertificate/);
});

async function udpPort(): Promise<number> {
  const s = createSocket('udp4');
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address();
  s.close();
  return port;
}

for (const srtp of ['SRTP_AEAD_AES_128_GCM', 'SRTP_AES128_CM_SHA1_80']) {
  test(`openssl s_server (${srtp}) accepts DtlsClient and exports the same SRTP keys`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dtls-client-'));
    const socket = createSocket('udp4');
    let output = '';
    let server: ReturnType<typeof spawn> | undefined;
    try {
      const keyFile = join(dir, 'server.key');
      const certFile = join(dir, 'server.crt');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
        '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=server'], { stdio: 'ignore' });
      const fingerprint = fingerprintOf(execFileSync('openssl', ['x509', '-in', certFile, '-outform', 'der']));
      const port = await udpPort();
      server = spawn('openssl', ['s_server', '-dtls1_2', '-accept', `127.0.0.1:${port}`, '-cert', certFile, '-key', keyFile,
        '-use_srtp', srtp, '-verify', '1', '-keymatexport', 'EXTRACTOR-dtls_srtp',
        '-keymatexportlen', srtp === 'SRTP_AEAD_AES_128_GCM' ? '56' : '60']);
      server.stdout!.on('data', (d: Buffer) => (output += d.toString()));
      server.stderr!.on('data', (d: Buffer) => (output += d.toString()));
      await waitFor(() => output.includes('ACCEPT'), 's_server listening');
      socket.bind(0, '127.0.0.1');
      await once(socket, 'listening');
      let keys: SrtpKeyMaterial | undefined;
      let closed: string | undefined;
      const client = new DtlsClient({
        certificate: generateCertificate(),
        send: (d) => socket.send(d, port, '127.0.0.1'),
        expectedFingerprint: { algorithm: 'sha-256', value: fingerprint },
        onConnected: (k) => (keys = k),
        onClose: (r) => (closed = r),
        log: silentLogger(),
      });
      socket.on('message', (m) => client.handle(m));
      client.start();
      await waitFor(() => keys !== undefined || closed !== undefined, 'handshake outcome');
      assert.ok(keys, `not connected (${closed}); openssl said:\n${output}`);
      await waitFor(() => /Keying material: [0-9A-F]+/.test(output), 's_server keying material');
      const exported = Buffer.from(/Keying material: ([0-9A-F]+)/.exec(output)![1]!, 'hex');
      assert.deepEqual(exported, Buffer.concat([keys.localKey, keys.remoteKey, keys.localSalt, keys.remoteSalt]));
      assert.match(output, /Client certificate/);
      client.close();
    } finally {
      server?.kill();
      socket.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
