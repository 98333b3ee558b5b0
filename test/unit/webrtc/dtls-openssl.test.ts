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
import { decodeRecords } from '../../../src/protocols/webrtc/dtls/record.js';
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
  sent: number;
  server: DtlsServer;
}

/** Our server on a loopback UDP port, `openssl s_client -dtls1_2` against it. */
interface HandshakeOptions {
  expected?: string;
  args?: string[];
  srtp?: string;
  /** The server's largest datagram. */
  mtu?: number;
  /** Loses this datagram of the server's when true. */
  drop?: (datagram: Buffer) => boolean;
}

async function handshake(identity: { keyFile: string; certFile: string }, o: HandshakeOptions = {}): Promise<Run> {
  const socket = createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  let peer: { port: number; address: string } | undefined;
  const run = {} as Run;
  run.output = '';
  run.sent = 0;
  run.server = new DtlsServer({
    certificate: generateCertificate(),
    send: (d) => {
      if (peer && !o.drop?.(d)) socket.send(d, peer.port, peer.address);
      run.sent++;
    },
    expectedFingerprint: o.expected === undefined ? undefined : { algorithm: 'sha-256', value: o.expected },
    onConnected: (keys) => (run.keys = keys),
    onClose: (reason) => (run.closed = reason),
    log: silentLogger(),
    mtu: o.mtu,
  });
  socket.on('message', (msg, rinfo) => {
    peer = rinfo;
    run.server.handle(msg);
  });
  const client = spawn('openssl', ['s_client', '-dtls1_2', '-connect', `127.0.0.1:${socket.address().port}`,
    '-use_srtp', o.srtp ?? 'SRTP_AES128_CM_SHA1_80', '-cert', identity.certFile, '-key', identity.keyFile,
    '-keymatexport', 'EXTRACTOR-dtls_srtp', '-keymatexportlen', o.srtp?.startsWith('SRTP_AEAD_AES_128_GCM') ? '56' : '60', ...(o.args ?? [])]);
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
    const run = await handshake(identity, { expected: identity.fingerprint });
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
    const run = await handshake(identity, { args: ['-groups', 'P-256', '-mtu', '300'], mtu: 300 });
    assert.ok(run.keys, `no keys; openssl said:\n${run.output}`);
    assert.match(run.output, /Server Temp Key: ECDH, prime256v1/);
    assert.ok(run.sent >= 4, 'the server flight took several datagrams');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a client certificate whose fingerprint differs from the signalled one is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dtls-'));
  try {
    const identity = clientIdentity(dir);
    const other = fingerprintOf(Buffer.from('some other certificate'));
    const run = await handshake(identity, { expected: other });
    assert.equal(run.keys, undefined);
    assert.match(run.closed ?? '', /^badCertificate: client certificate fingerprint/);
    assert.match(run.output, /alert bad certificate/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('AEAD_AES_128_GCM SRTP is chosen when offered, with 12-byte salts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dtls-'));
  try {
    const identity = clientIdentity(dir);
    const run = await handshake(identity, { srtp: 'SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80' });
    assert.ok(run.keys, `no keys; openssl said:\n${run.output}`);
    assert.equal(run.keys.profile, 'AEAD_AES_128_GCM');
    assert.equal(run.keys.localSalt.length, 12);
    const exported = Buffer.from(/Keying material: ([0-9A-F]+)/.exec(run.output)![1]!, 'hex');
    const k = run.keys;
    assert.deepEqual(exported, Buffer.concat([k.remoteKey, k.localKey, k.remoteSalt, k.localSalt]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('lost flights are sent again: the server flight on its timer or the hello resent, the last flight when the client repeats its own', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dtls-'));
  try {
    const identity = clientIdentity(dir);
    const seen = new Map<string, number>();
    /** Loses the first datagram that starts the server flight (ServerHello) and the first with ChangeCipherSpec. */
    const drop = (d: Buffer): boolean => {
      const records = decodeRecords(d);
      const kind = records.some((r) => r.type === 20) ? 'ccs' : records.some((r) => r.type === 22 && r.fragment[0] === 2) ? 'hello' : 'other';
      seen.set(kind, (seen.get(kind) ?? 0) + 1);
      return kind !== 'other' && seen.get(kind) === 1;
    };
    const run = await handshake(identity, { drop });
    assert.ok(run.keys, `no keys; openssl said:\n${run.output}`);
    assert.ok(seen.get('hello')! >= 2 && seen.get('ccs')! >= 2, `flights sent: ${[...seen]}`);
    assert.match(run.output, /Keying material: [0-9A-F]+/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a client offering only CBC suites is refused with handshake_failure', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dtls-'));
  try {
    const identity = clientIdentity(dir);
    const run = await handshake(identity, { args: ['-cipher', 'ECDHE-ECDSA-AES128-SHA'] });
    assert.equal(run.keys, undefined);
    assert.match(run.closed ?? '', /^handshakeFailure: no common cipher suite/);
    assert.match(run.output, /alert handshake failure/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
