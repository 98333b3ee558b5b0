import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, get, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { publishTestPattern, type RunningProcess } from '../support/ffmpeg.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { issueServerCertificate, makeTestCa, type TestCertificate } from '../support/tls.js';

/**
 * HTTPS as SRS 7 configures it: `http_server { https { ... } }` and `http_api { https { ... } }`
 * serve the same routes over TLS, and callbacks reach an https:// receiver whose CA is given
 * by `ca_file`. A test CA made with openssl signs every certificate; clients trust only it.
 */
const run = promisify(execFile);

let dir: string;
let ca: Awaited<ReturnType<typeof makeTestCa>>;
let cert: TestCertificate;
let receiver: Server;
const received: string[] = [];
let server: TestServer;
let publisher: RunningProcess;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-https-'));
  ca = await makeTestCa(dir);
  cert = await issueServerCertificate(dir, ca, 'sluice-first');
  const receiverCert = await issueServerCertificate(dir, ca, 'receiver');
  receiver = createServer({ key: await readFile(receiverCert.keyFile), cert: await readFile(receiverCert.certFile) }, (req, res) => {
    received.push(req.url ?? '');
    req.resume().on('end', () => res.end('0'));
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const hooks = `https://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  const https = { enabled: true, listen: '127.0.0.1:0', key: cert.keyFile, cert: cert.certFile };
  server = await startTestServer({
    http_server: { listen: '127.0.0.1:0', dir: join(dir, 'html'), https },
    http_api: { listen: '127.0.0.1:0', https },
    vhosts: {
      __defaultVhost__: {
        hls: { enabled: true, hls_path: join(dir, 'hls'), hls_fragment: 1, hls_window: 10 },
        http_hooks: { enabled: true, on_publish: `${hooks}/on_publish`, on_play: `${hooks}/on_play`, ca_file: ca.caFile },
      },
    },
  });
  publisher = publishTestPattern(server.rtmpUrl('live/cam'), 60);
  await server.waitForLog((line) => line.msg === 'publish start');
});

after(async () => {
  await publisher.stop();
  await server.close();
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

const httpsUrl = (path: string) => `https://127.0.0.1:${server.httpsPort}/${path}`;

/** GETs over TLS trusting only `trust`; resolves with the status, the first bytes and the server certificate's CN. */
function fetchTls(url: string, trust: string | undefined, maxBytes = 64 * 1024): Promise<{ status: number; body: Buffer; cn: string }> {
  return new Promise((resolve, reject) => {
    const request = get(url, { ca: trust, agent: false }, (response) => {
      const cn = String((response.socket as TLSSocket).getPeerCertificate().subject.CN);
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks), cn });
      response.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= maxBytes) {
          request.destroy();
          done();
        }
      });
      response.on('end', done);
    });
    request.on('error', reject);
  });
}

test('the publish callback reached an https:// receiver trusted through ca_file', () => {
  assert.deepEqual(received, ['/on_publish']);
});

test('the API and /metrics answer over https with a chain the test CA verifies', async () => {
  const api = `https://127.0.0.1:${server.apiHttpsPort}`;
  const versions = await fetchTls(`${api}/api/v1/versions`, ca.ca);
  assert.equal(versions.status, 200);
  assert.equal((JSON.parse(versions.body.toString()) as { code: number }).code, 0);
  assert.equal(versions.cn, 'sluice-first');
  const metrics = await fetchTls(`${api}/metrics`, ca.ca);
  assert.match(metrics.body.toString(), /^sluice_sessions\{protocol="rtmp",kind="publish"\} 1$/m);
  // A client that does not trust the CA refuses the server: the certificate is really checked.
  await assert.rejects(fetchTls(`${api}/api/v1/versions`, undefined), (error: NodeJS.ErrnoException) => /^UNABLE_TO_VERIFY_LEAF_SIGNATURE$/.test(error.code ?? ''));
});

test('ffprobe plays HTTP-FLV over https, verifying the certificate with the test CA', async () => {
  const { stdout } = await run('ffprobe', [
    '-v', 'error', '-ca_file', ca.caFile, '-tls_verify', '1', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', httpsUrl('live/cam.flv'),
  ]);
  assert.deepEqual(stdout.trim().split('\n').sort(), ['aac', 'h264']);
  const flv = await fetchTls(httpsUrl('live/cam.flv'), ca.ca, 13);
  assert.equal(flv.body.subarray(0, 3).toString(), 'FLV');
});

test('ffprobe reads the HLS stream over https', async () => {
  for (let tries = 0; (await fetchTls(httpsUrl('live/cam.m3u8'), ca.ca)).status === 404 && tries < 40; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const { stdout } = await run('ffprobe', [
    '-v', 'error', '-ca_file', ca.caFile, '-tls_verify', '1', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', httpsUrl('live/cam.m3u8'),
  ]);
  // The stream is listed under its program too: once per codec is enough.
  assert.deepEqual([...new Set(stdout.split('\n').filter(Boolean))].sort(), ['aac', 'h264']);
});

test('WebSocket-FLV plays over wss', async () => {
  const ws = new WebSocket(`wss://127.0.0.1:${server.httpsPort}/live/cam.flv`, { ca: ca.ca });
  const first = await new Promise<Buffer>((resolve, reject) => {
    ws.once('message', (data: Buffer) => resolve(data));
    ws.once('error', reject);
  });
  ws.close();
  assert.equal(first.subarray(0, 3).toString(), 'FLV');
});

test('reloadCertificates() serves a renewed certificate to new connections; plain HTTP goes on', async () => {
  const renewed = await issueServerCertificate(dir, ca, 'sluice-renewed');
  await copyFile(renewed.keyFile, cert.keyFile);
  await copyFile(renewed.certFile, cert.certFile);
  server.reloadCertificates();
  assert.equal((await fetchTls(httpsUrl('live/cam.flv'), ca.ca, 13)).cn, 'sluice-renewed');
  assert.equal((await fetchTls(`https://127.0.0.1:${server.apiHttpsPort}/api/v1/versions`, ca.ca)).cn, 'sluice-renewed');
  const plain = new AbortController();
  const response = await fetch(server.httpUrl('live/cam.flv'), { signal: plain.signal });
  assert.equal(response.status, 200);
  plain.abort();
});
