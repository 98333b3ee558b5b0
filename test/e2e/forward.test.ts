import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server } from 'node:http';
import { connect as connectTcp, createServer as createTcpServer, type Socket } from 'node:net';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { createServer as createTlsServer } from 'node:tls';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ffprobe, publishTestPattern } from '../support/ffmpeg.js';
import { startNginxRtmp } from '../support/nginx-rtmp.js';
import { startHealthyStream } from '../support/healthy.js';
import { TestRtmpClient } from '../support/rtmp-client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { freePort, waitFor } from '../support/wait.js';

const run = promisify(execFile);

/** Fast retries, so a test sees several attempts. */
const relay = { retry_initial: 0.2, retry_max: 1, connect_timeout: 2 };

type Line = Record<string, unknown>;
const published = (server: TestServer, stream: string) => (line: Line) => line.msg === 'publish start' && line.stream === stream;

/** An on_forward receiver: answers `answer`, keeps the request bodies (raw, to check key order). */
async function forwardBackend(answer: string): Promise<{ server: Server; url: string; bodies: string[] }> {
  const bodies: string[] = [];
  const server = createHttpServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      bodies.push(text);
      response.end(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/api/v1/forward`, bodies };
}

test('forward: each destination gets the stream, same app and name; the copy has the codecs and duration', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-forward-'));
  // The target records what it receives: the file is the copy, closed when the push ends.
  const target = await startTestServer({ vhosts: { __defaultVhost__: { dvr: { enabled: true, dvr_path: join(dir, '[app]/[stream].flv') } } } });
  const source = await startTestServer({ relay, vhosts: { __defaultVhost__: { forward: { enabled: true, destination: `127.0.0.1:${target.rtmpPort}` } } } });
  try {
    const publisher = publishTestPattern(source.rtmpUrl('live/cam'), 6);
    await target.waitForLog(published(target, 'live/cam'));
    assert.equal(await publisher.exited, 0);
    await target.waitForLog((line) => line.msg === 'recording file closed');
    const probe = await ffprobe(join(dir, 'live/cam.flv'));
    assert.deepEqual(probe.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
    const duration = Number(probe.format.duration);
    assert.ok(duration > 5.4 && duration < 6.6, `the copy lasts ${duration} s of the 6 s published`);
    const live = source.logs().find((line) => line.msg === 'push live');
    assert.equal(live?.origin, 'forward');
  } finally {
    await Promise.all([source.close(), target.close()]);
    await rm(dir, { recursive: true, force: true });
  }
});

test('forward to nginx-rtmp: it takes the push, and its recording has the codecs and duration', async () => {
  const nginx = await startNginxRtmp();
  const source = await startTestServer({ relay, vhosts: { __defaultVhost__: { forward: { enabled: true, destination: `127.0.0.1:${nginx.port}` } } } });
  try {
    const publisher = publishTestPattern(source.rtmpUrl('live/cam'), 6);
    await source.waitForLog((line) => line.msg === 'push live');
    assert.equal(await publisher.exited, 0);
    await source.waitForLog((line) => String(line.msg).startsWith('push stopped'));
    // nginx finishes the file once it sees the connection end.
    const probe = await waitFor(() => existsSync(join(nginx.recordDir, 'cam.flv')), 'the nginx recording').then(async () => {
      for (let tries = 0; ; tries++) {
        const result = await ffprobe(join(nginx.recordDir, 'cam.flv')).catch(() => undefined);
        if ((result && Number(result.format.duration) > 5) || tries > 50) return result!;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    });
    assert.deepEqual(probe.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
    const duration = Number(probe.format.duration);
    assert.ok(duration > 5.4 && duration < 6.6, `nginx recorded ${duration} s of the 6 s published`);
  } finally {
    await source.close();
    await nginx.stop();
  }
});

test('forward backend: on_forward has SRS 7 keys in order, and both URLs it answers get the stream', async () => {
  const target = await startTestServer();
  const urls = [target.rtmpUrl('copy/one'), target.rtmpUrl('copy/two?token=x')];
  const backend = await forwardBackend(JSON.stringify({ code: 0, data: { urls } }));
  const source = await startTestServer({ relay, vhosts: { __defaultVhost__: { forward: { enabled: true, backend: backend.url } } } });
  try {
    const publisher = publishTestPattern(source.rtmpUrl('live/cam?secret=1'), 30);
    await target.waitForLog(published(target, 'copy/one'));
    await target.waitForLog(published(target, 'copy/two'));
    const body = JSON.parse(backend.bodies[0]!) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body), ['action', 'server_id', 'service_id', 'client_id', 'ip', 'vhost', 'app', 'tcUrl', 'stream', 'param']);
    assert.equal(body.action, 'on_forward');
    assert.equal(body.stream, 'cam');
    assert.equal(body.param, '?secret=1');
    assert.equal(body.app, 'live');
    for (const name of ['one', 'two']) {
      const player = await TestRtmpClient.open(target.rtmpPort, 'copy', { keepMedia: false });
      assert.equal(await player.play(name), 'NetStream.Play.Start');
      await player.waitUntil(() => player.mediaBytes > 20_000, 10_000, `media of copy/${name}`);
      player.close();
    }
    await publisher.stop();
  } finally {
    await Promise.all([source.close(), target.close()]);
    backend.server.close();
  }
});

test('forward, bad targets: a non-JSON answer, non-rtmp URLs, an unreachable port, a name that does not resolve and a silent server are refused or retried; the rest keeps serving', async () => {
  const target = await startTestServer();
  const silentSockets: Socket[] = [];
  const silent = createTcpServer((socket) => silentSockets.push(socket.on('error', () => {})));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const silentPort = (silent.address() as { port: number }).port;
  const closedPort = await freePort();
  const notJson = await forwardBackend('<html>oops</html>');
  const mixed = await forwardBackend(JSON.stringify({ code: 0, data: { urls: ['http://127.0.0.1/live/x', target.rtmpUrl('copy/good')] } }));
  const source = await startTestServer({
    relay,
    vhosts: {
      __defaultVhost__: { forward: { enabled: true, destination: [`127.0.0.1:${closedPort}`, `127.0.0.1:${silentPort}`, 'no-such-host.invalid:1935'] } },
      mixed: { forward: { enabled: true, destination: `127.0.0.1:${closedPort}`, backend: mixed.url } },
      other: { forward: { enabled: true, backend: notJson.url } },
    },
  });
  const healthy = await startHealthyStream(source);
  try {
    const warnings = (match: (line: Line) => boolean) => source.waitForLog((line) => line.level === 40 && match(line));
    const unreachable = await warnings((line) => line.msg === 'push failed, retrying' && String(line.target).includes(`:${closedPort}/`));
    assert.match(String(unreachable.error), /ECONNREFUSED/);
    const noAnswer = await warnings((line) => line.msg === 'push failed, retrying' && String(line.target).includes(`:${silentPort}/`));
    assert.match(String(noAnswer.error), /no handshake answer within/);
    const noName = await warnings((line) => line.msg === 'push failed, retrying' && String(line.target).includes('no-such-host.invalid'));
    assert.match(String(noName.error), /ENOTFOUND|EAI_AGAIN/);
    const metrics = await (await fetch(`http://127.0.0.1:${source.apiPort}/metrics`)).text();
    assert.match(metrics, /sluice_relay_events_total\{kind="forward",event="failure"\} [1-9]/);
    assert.match(metrics, /sluice_relay_events_total\{kind="forward",event="retry"\} [1-9]/);
    // Retried, not given up: more attempts follow.
    await waitFor(() => source.logs().filter((line) => line.msg === 'push failed, retrying' && String(line.target).includes(`:${closedPort}/`)).length >= 3, 'more attempts');
    const mixedPublisher = publishTestPattern(`rtmp://127.0.0.1:${source.rtmpPort}/live/cam?vhost=mixed`, 30);
    await target.waitForLog(published(target, 'copy/good'));

    const other = publishTestPattern(`rtmp://127.0.0.1:${source.rtmpPort}/live/cam2?vhost=other`, 30);
    const failed = await warnings((line) => String(line.msg).startsWith('on_forward failed'));
    assert.match(String(failed.error), /not JSON/);
    const refused = await warnings((line) => String(line.msg).startsWith('forward target refused'));
    assert.match(String(refused.msg), /not an rtmp/);
    // The backend's answer replaced the destination (as SRS): nothing went to the closed port for this stream.
    assert.ok(!source.logs().some((line) => line.msg === 'push failed, retrying' && line.stream === 'live/cam'));
    await Promise.all([other.stop(), mixedPublisher.stop()]);
    await healthy.assertServing();
  } finally {
    await healthy.stop();
    await Promise.all([source.close(), target.close()]);
    for (const socket of silentSockets) socket.destroy();
    silent.close();
    notJson.server.close();
    mixed.server.close();
  }
});

test('forward: a target that dies mid-stream gets the push again when it comes back; the source players see no gap', async () => {
  const port = await freePort();
  let target = await startTestServer({ listen: `127.0.0.1:${port}` });
  const source = await startTestServer({ relay, vhosts: { __defaultVhost__: { forward: { enabled: true, destination: `127.0.0.1:${port}` } } } });
  const publisher = publishTestPattern(source.rtmpUrl('live/cam'), 60);
  try {
    await target.waitForLog(published(target, 'live/cam'));
    const watcher = await TestRtmpClient.open(source.rtmpPort, 'live');
    assert.equal(await watcher.play('cam'), 'NetStream.Play.Start');
    await watcher.waitUntil(() => watcher.mediaBytes > 50_000, 10_000, 'media before the target dies');
    await target.close();
    // Down for a while: several attempts fail, the source keeps serving its player.
    await waitFor(() => source.logs().filter((line) => line.msg === 'push failed, retrying').length >= 3, 'three failed attempts');
    const during = watcher.mediaBytes;
    await watcher.waitUntil(() => watcher.mediaBytes > during + 20_000, 10_000, 'media while the target is down');
    target = await startTestServer({ listen: `127.0.0.1:${port}` });
    await target.waitForLog(published(target, 'live/cam'), 15_000);
    const live = await source.waitForLog((line) => line.msg === 'push live' && line.connects === 2);
    assert.equal(live.origin, 'forward');
    const copy = await TestRtmpClient.open(target.rtmpPort, 'live', { keepMedia: false });
    assert.equal(await copy.play('cam'), 'NetStream.Play.Start');
    await copy.waitUntil(() => copy.mediaBytes > 20_000, 10_000, 'media of the resumed copy');
    copy.close();
    const after = watcher.mediaBytes;
    await watcher.waitUntil(() => watcher.mediaBytes > after + 20_000, 10_000, 'media after the push resumed');

    const video = watcher.media().filter((m) => m.type === 9).map((m) => m.timestamp);
    assert.ok(video.length > 25, 'the source player got video all along');
    const gaps = video.slice(1).map((t, i) => t - video[i]!);
    assert.ok(Math.max(...gaps) < 200, `largest step between video frames ${Math.max(...gaps)} ms of media time`);
    assert.ok(!watcher.closed, 'the source player is still connected');
    watcher.close();
  } finally {
    await publisher.stop();
    await Promise.all([source.close(), target.close()]);
  }
});

test('rtmps: the target certificate is verified; a push to an untrusted one is refused and retried, one trusted through relay.tls_ca goes live', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-rtmps-'));
  const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert]);
  const target = await startTestServer();
  // RTMPS in front of the target: TLS ends here, RTMP goes on to the target.
  const proxy = createTlsServer({ key: await readFile(key), cert: await readFile(cert) }, (tlsSocket) => {
    const plain = connectTcp(target.rtmpPort, '127.0.0.1');
    tlsSocket.pipe(plain).pipe(tlsSocket);
    tlsSocket.on('error', () => plain.destroy());
    plain.on('error', () => tlsSocket.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const port = (proxy.address() as { port: number }).port;
  const restream = [{ id: 'tls', app: 'live', server: `rtmps://127.0.0.1:${port}/copy`, key: 'cam' }];
  const untrusting = await startTestServer({ relay: { ...relay, restream } });
  const trusting = await startTestServer({ relay: { ...relay, restream, tls_ca: cert } });
  const publishers = [publishTestPattern(untrusting.rtmpUrl('live/a'), 30), publishTestPattern(trusting.rtmpUrl('live/b'), 30)];
  try {
    const refused = await untrusting.waitForLog((line) => line.msg === 'push failed, retrying');
    assert.match(String(refused.error), /self.signed certificate/i);
    await trusting.waitForLog((line) => line.msg === 'push live');
    await target.waitForLog(published(target, 'copy/cam'));
  } finally {
    await Promise.all(publishers.map((p) => p.stop()));
    await Promise.all([untrusting.close(), trusting.close(), target.close()]);
    proxy.close();
    await rm(dir, { recursive: true, force: true });
  }
});
