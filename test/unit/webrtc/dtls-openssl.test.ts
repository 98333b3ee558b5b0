import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { generateCertificate, fingerprintOf } from '../../../src/protocols/webrtc/certificate.js';
import { DtlsServer } from '../../../src/protocols/webrtc/dtls/index.js';
import type { SrtpKeyMaterial } from '../../../src/protocols/webrtc/srtp-profile.js';
import { silentLogger } from '../../../src/util/logger.js';
import { waitFor } from '../../support/wait.js';

/** A client EC key and self-signed certificate, as a browser would make, and its sha-256 fingerprint. */
function clientIdentity(dir: string) {
  const keyFile = join(dir, 'client.key');
  const certFile = join(dir, 'client.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=client'], { stdio: 'ignore' });
  const der = execFileSync('openssl', ['x509', '-in', certFile, '-outform', 'der']);
  return { keyFile, certFile, fingerprint: fingerprintOf(der) };
}

interface Run {
  keys?: SrtpKeyMaterial;
  closed?: string;
  output: string;
  server: DtlsServer;
}

/** Our server on a loopback UDP port, `openssl s_client -dtls1_2` against it. */
async function handshake(identity: { keyFile: string; certFile: string }, expected: string | undefined, extraArgs: string[] = []): Promise<Run> {
  const socket = createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  let peer: { port: number; address: string } | undefined;
  const run = {} as Run;
  run.output = '';
  run.server = new DtlsServer({
    certificate: generateCertificate(),
    send: (d) => peer && socket.send(d, peer.port, peer.address),
    expectedFingerprint: expected === undefined ? undefined : { algorithm: 'sha-256', value: expected },
    onConnected: (keys) => (run.keys = keys),
    onClose: (reason) => (run.closed = reason),
    log: silentLogger(),
  });
  socket.on('message', (msg, rinfo) => {
    peer = rinfo;
    run.server.handle(msg);
  });
  const client = spawn('openssl', ['s_client', '-dtls1_2', '-connect', `127.0.0.1:${socket.address().port}`,
    '-use_srtp', 'SRTP_AES128_CM_SHA1_80', '-cert', identity.certFile, '-key', identity.keyFile,
    '-keymatexport', 'EXTRACTOR-dtls_srtp', '-keymatexportlen', '60', ...extraArgs]);
  client.stdout.on('data', (d: Buffer) => (run.output += d.toString()));
  client.stderr.on('data', (d: Buffer) => (run.output += d.toString()));
  const exited = once(client, 'exit');
  try {
    await waitFor(() => run.closed !== undefined || /Keying material: [0-9A-F]+/.test(run.output) || client.exitCode !== null, 'handshake outcome');
    client.stdin.end(); // s_client then sends close_notify and exits
    await exited;
    await waitFor(() => run.closed !== undefined || !run.keys, 'close', 5000).catch(() => undefined);
  } finally {
    client.kill();
    socket.close();
  }
  return run;
}

test('openssl s_client completes a DTLS-SRTP handshake and exports the same SRTP keys', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dtls-'));
  try {
    const identity = clientIdentity(dir);
    const run = await handshake(identity, identity.fingerprint);
    assert.ok(run.keys, `no keys; openssl said:\n${run.output}`);
    assert.equal(run.keys.profile, 'AES_CM_128_HMAC_SHA1_80');
    assert.match(run.output, /SRTP Extension negotiated, profile=SRTP_AES128_CM_SHA1_80/);
    assert.match(run.output, /Cipher is ECDHE-ECDSA-AES128-GCM-SHA256/);
    assert.match(run.output, /Extended master secret: yes/);
    const exported = Buffer.from(/Keying material: ([0-9A-F]+)/.exec(run.output)![1]!, 'hex');
    const k = run.keys;
    // RFC 5764 §4.2 order: client key, server key, client salt, server salt.
    assert.deepEqual(exported, Buffer.concat([k.remoteKey, k.localKey, k.remoteSalt, k.localSalt]));
    assert.equal(run.closed, 'peer sent close_notify');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('P-256 key exchange and a small MTU (fragmented flight) also complete', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dtls-'));
  try {
    const identity = clientIdentity(dir);
    const run = await handshake(identity, undefined, ['-groups', 'P-256', '-mtu', '300']);
    assert.ok(run.keys, `no keys; openssl said:\n${run.output}`);
    assert.match(run.output, /Server Temp Key: ECDH, prime256v1/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a client certificate whose fingerprint differs from the signalled one is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dtls-'));
  try {
    const identity = clientIdentity(dir);
    const other = fingerprintOf(Buffer.from('some other certificate'));
    const run = await handshake(identity, other);
    assert.equal(run.keys, undefined);
    assert.match(run.closed ?? '', /^badCertificate: client certificate fingerprint/);
    assert.match(run.output, /alert bad certificate/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
